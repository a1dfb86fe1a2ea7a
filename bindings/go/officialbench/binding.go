package main

import (
	"context"
	"fmt"
	"time"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

// binding goes through this repository's Go binding: the full path.
type binding struct {
	store          *fas.Store
	narrow, wide   fas.FeatureView
	projectedNames []string
}

func featureView(name string, names []string, types []pb.ValueType_Enum) fas.FeatureView {
	v := fas.FeatureView{Name: name}
	for i, n := range names {
		v.Features = append(v.Features, fas.Feature{Name: n, Type: types[i]})
	}
	return v
}

func newBinding(host string, port int) (contender, error) {
	b := &binding{}
	b.narrow = featureView(narrow, narrowNames, []pb.ValueType_Enum{
		pb.ValueType_INT64, pb.ValueType_INT64, pb.ValueType_INT64,
		pb.ValueType_DOUBLE, pb.ValueType_DOUBLE, pb.ValueType_DOUBLE,
		pb.ValueType_STRING, pb.ValueType_STRING, pb.ValueType_BOOL, pb.ValueType_FLOAT})
	wideTypes := make([]pb.ValueType_Enum, len(wideNames))
	for i := range wideTypes {
		wideTypes[i] = pb.ValueType_DOUBLE
	}
	b.wide = featureView(wide, wideNames, wideTypes)
	for _, fi := range projected {
		b.projectedNames = append(b.projectedNames, wideNames[fi])
	}
	var err error
	// Generous timeouts, the same for every contender: a benchmark on a
	// loaded 2-core machine should measure, not time out.
	timeout := fas.Int(30000)
	b.store, err = fas.Open(fas.Config{Project: "bench", Hosts: []fas.Host{{Name: host, Port: port}},
		WriteTimeoutMs: timeout, ReadTimeoutMs: timeout, BatchTotalTimeoutMs: timeout},
		fas.WithFeatureViews(b.narrow, b.wide))
	return b, err
}

func entityKey(id int64) *pb.EntityKey {
	return &pb.EntityKey{JoinKeys: []string{"driver_id"},
		EntityValues: []*pb.Value{{Val: &pb.Value_Int64Val{Int64Val: id}}}}
}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// encoders holds the binding's write encoders, one per call in flight; each
// keeps its buffer between calls, as a feature server would. (A free list,
// not a sync.Pool: a pool is emptied by garbage collections, and its
// encoders' buffers would then grow again inside timed calls.)
var encoders = make(chan *fas.WriteBatchEncoder, 16)

func getEncoder() *fas.WriteBatchEncoder {
	select {
	case e := <-encoders:
		return e
	default:
		return new(fas.WriteBatchEncoder)
	}
}

func putEncoder(e *fas.WriteBatchEncoder) {
	select {
	case encoders <- e:
	default:
	}
}

// writeChunk encodes rows [from, to) straight into the request bytes
// (fas.WriteBatchEncoder, no *pb.Value per value) inside the timed call, as
// the official contender builds its records, and writes them.
func (b *binding) writeChunk(isWide bool, from, to uint64) error {
	view, names := b.narrow, narrowNames
	if isWide {
		view, names = b.wide, wideNames
	}
	enc := getEncoder()
	defer putEncoder(enc)
	enc.Reset(view)
	for id := from; id < to; id++ {
		ts := epoch.Add(time.Duration(id) * time.Second)
		enc.BeginRowInt64Key("driver_id", int64(id), ts, ts.Add(time.Second))
		for i, name := range names {
			v := expected(isWide, id, i)
			switch {
			case v.kind == 'i':
				enc.Int64(name, v.i)
			case v.kind == 's':
				enc.String(name, v.s)
			case v.kind == 'b':
				enc.Bool(name, v.i == 1)
			case !isWide && i == 9:
				enc.Float(name, float32(v.f))
			default:
				enc.Double(name, v.f)
			}
		}
		enc.EndRow()
	}
	return b.store.WriteEncoded(context.Background(), enc)
}

func fromProto(v *pb.Value) (typed, error) {
	switch x := v.GetVal().(type) {
	case *pb.Value_Int64Val:
		return typed{kind: 'i', i: x.Int64Val}, nil
	case *pb.Value_DoubleVal:
		return typed{kind: 'f', f: x.DoubleVal}, nil
	case *pb.Value_FloatVal:
		return typed{kind: 'f', f: float64(x.FloatVal)}, nil
	case *pb.Value_StringVal:
		return typed{kind: 's', s: x.StringVal}, nil
	case *pb.Value_BoolVal:
		if x.BoolVal {
			return typed{kind: 'b', i: 1}, nil
		}
		return typed{kind: 'b'}, nil
	}
	return typed{}, fmt.Errorf("unexpected value %v", v)
}

// read returns the binding's answer; the conversion to `row` is only for
// the verified warm-up call (the binding's answer already is typed values).
func (b *binding) read(c *readCase, ids []uint64, want bool) ([]row, error) {
	view := b.narrow
	if c.isWide {
		view = b.wide
	}
	var features []string
	if c.projection != nil {
		features = b.projectedNames
	}
	keys := make([]*pb.EntityKey, len(ids))
	for i, id := range ids {
		keys[i] = entityKey(int64(id))
	}
	res, err := b.store.Read(context.Background(), view, keys, features)
	if err != nil || !want {
		return nil, err
	}
	rows := make([]row, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = row{found: r.Found, eventMs: r.EventTimestamp.UnixMilli()}
		for _, v := range r.Values {
			t, err := fromProto(v)
			if err != nil {
				return nil, err
			}
			rows[i].values = append(rows[i].values, t)
		}
	}
	return rows, nil
}
