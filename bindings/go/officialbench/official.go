package main

import (
	"fmt"
	"time"

	as "github.com/aerospike/aerospike-client-go/v8"
	"github.com/aerospike/aerospike-client-go/v8/types"
)

// official does the store's record operations with the official Go client.
type official struct {
	client    *as.Client
	mapPolicy *as.MapPolicy
	batch     *as.BatchPolicy
	write     *as.BatchWritePolicy
	readPol   *as.BatchReadPolicy
}

func newOfficial(host string, port int) (contender, error) {
	client, err := as.NewClientWithPolicy(as.NewClientPolicy(), host, port)
	if err != nil {
		return nil, err
	}
	// Generous timeouts, the same for every contender.
	batch := as.NewBatchPolicy()
	batch.TotalTimeout = 30 * time.Second
	batch.SocketTimeout = 30 * time.Second
	return &official{
		client:    client,
		mapPolicy: as.NewMapPolicyWithFlags(as.MapOrder.KEY_ORDERED, as.MapWriteFlagsDefault),
		batch:     batch,
		write:     as.NewBatchWritePolicy(),
		readPol:   as.NewBatchReadPolicy(),
	}, nil
}

// key is the record key the store uses: Feast's serialized entity key as a
// blob user key (digest = RIPEMD-160(set, blob type, bytes)); the key itself
// is not sent (SendKey is off), as with the store.
func key(id int64) (*as.Key, error) {
	return as.NewKey(namespace, setName, serializedKey(id))
}

func (o *official) writeChunk(isWide bool, from, to uint64) error {
	view, names := narrow, narrowNames
	if isWide {
		view, names = wide, wideNames
	}
	records := make([]as.BatchRecordIfc, 0, to-from)
	for id := from; id < to; id++ {
		k, err := key(int64(id))
		if err != nil {
			return err
		}
		features := make(map[interface{}]interface{}, len(names))
		for i, name := range names {
			v := expected(isWide, id, i)
			switch v.kind {
			case 'i':
				features[name] = v.i
			case 'f':
				features[name] = v.f
			case 's':
				features[name] = v.s
			case 'b':
				features[name] = v.i == 1
			}
		}
		eventMs := int64(1704067200000) + int64(id)*1000
		records = append(records, as.NewBatchWrite(o.write, k,
			as.MapPutItemsOp(o.mapPolicy, "features", map[interface{}]interface{}{view: features}),
			as.MapPutOp(o.mapPolicy, "event_ts", view, eventMs),
			as.PutOp(as.NewBin("created_ts", eventMs+1000)),
		))
	}
	if err := o.client.BatchOperate(o.batch, records); err != nil {
		return err
	}
	for _, r := range records {
		if rc := r.BatchRec().ResultCode; rc != types.OK {
			return fmt.Errorf("write: a row failed: %v", rc)
		}
	}
	return nil
}

// lookup finds a string key in a map result, whichever form the client
// decoded it to (ordered maps come back as []MapPair).
func lookup(m interface{}, k string) (interface{}, bool) {
	switch m := m.(type) {
	case map[interface{}]interface{}:
		v, ok := m[k]
		return v, ok
	case []as.MapPair:
		for _, p := range m {
			if s, ok := p.Key.(string); ok && s == k {
				return p.Value, true
			}
		}
	}
	return nil, false
}

func toTyped(v interface{}) (typed, error) {
	switch x := v.(type) {
	case int:
		return typed{kind: 'i', i: int64(x)}, nil
	case int64:
		return typed{kind: 'i', i: x}, nil
	case float64:
		return typed{kind: 'f', f: x}, nil
	case string:
		return typed{kind: 's', s: x}, nil
	case bool:
		if x {
			return typed{kind: 'b', i: 1}, nil
		}
		return typed{kind: 'b'}, nil
	}
	return typed{}, fmt.Errorf("unexpected feature value %T", v)
}

// read always converts every record into typed values: that is what the
// store returns, so it is part of the baseline's work.
func (o *official) read(c *readCase, ids []uint64, _ bool) ([]row, error) {
	view := c.view()
	var ops []*as.Operation
	if c.projection == nil {
		ops = append(ops, as.MapGetByKeyListOp("features", []interface{}{view}, as.MapReturnType.KEY_VALUE))
	} else {
		keys := make([]interface{}, len(c.projection))
		for i, fi := range c.projection {
			keys[i] = c.names()[fi]
		}
		ops = append(ops, as.MapGetByKeyListOp("features", keys, as.MapReturnType.KEY_VALUE,
			as.CtxMapKey(as.NewStringValue(view))))
	}
	ops = append(ops, as.MapGetByKeyListOp("event_ts", []interface{}{view}, as.MapReturnType.KEY_VALUE))
	records := make([]as.BatchRecordIfc, len(ids))
	for i, id := range ids {
		k, err := key(int64(id))
		if err != nil {
			return nil, err
		}
		records[i] = as.NewBatchReadOps(o.readPol, k, ops...)
	}
	if err := o.client.BatchOperate(o.batch, records); err != nil {
		return nil, err
	}
	idx := c.indexes()
	names := c.names()
	rows := make([]row, len(ids))
	for i, r := range records {
		br := r.BatchRec()
		switch br.ResultCode {
		case types.OK:
		case types.KEY_NOT_FOUND_ERROR:
			continue
		default:
			return nil, fmt.Errorf("read: result %v", br.ResultCode)
		}
		features := br.Record.Bins["features"]
		if c.projection == nil {
			var ok bool
			if features, ok = lookup(features, view); !ok {
				return nil, fmt.Errorf("read: view %s missing", view)
			}
		}
		values := make([]typed, len(idx))
		for j, fi := range idx {
			v, ok := lookup(features, names[fi])
			if !ok {
				return nil, fmt.Errorf("read: feature %s missing", names[fi])
			}
			t, err := toTyped(v)
			if err != nil {
				return nil, err
			}
			values[j] = t
		}
		ts, _ := lookup(br.Record.Bins["event_ts"], view)
		ms, ok := ts.(int)
		if !ok {
			return nil, fmt.Errorf("read: event time %T", ts)
		}
		rows[i] = row{found: true, eventMs: int64(ms), values: values}
	}
	return rows, nil
}
