// The Go side of a call on its own, without the library or a server: what
// this package adds to the C benchmark's figures (request encoding, response
// decoding and shaping in Go, and one cgo transition).
package feastaerospike

import (
	"fmt"
	"testing"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// cannedRead is the encoded response of reading every feature of view for
// batch entities, as the library would send it.
func cannedRead(view FeatureView, batch int) []byte {
	res := &pb.ViewResult{FeatureView: view.Name}
	for _, f := range view.Features {
		res.FeatureNames = append(res.FeatureNames, f.Name)
	}
	for id := 0; id < batch; id++ {
		values := narrowValues(uint64(id))
		if view.Name == wideView.Name {
			values = wideValues(uint64(id))
		}
		row := &pb.EntityRow{Found: true, EventTimestamp: timestamppb.New(benchEpoch)}
		for _, name := range res.FeatureNames {
			row.Values = append(row.Values, values[name])
		}
		res.Rows = append(res.Rows, row)
	}
	b, err := proto.Marshal(&pb.ReadResponse{Views: []*pb.ViewResult{res}})
	if err != nil {
		panic(err)
	}
	return b
}

func BenchmarkGoSideOfRead(b *testing.B) {
	for _, view := range []FeatureView{narrowView, wideView} {
		for _, size := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", view.Name, size), func(b *testing.B) {
				canned := cannedRead(view, size)
				stream := entityStream{state: benchSeed}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					views := []ViewRead{{View: view}}
					req := getReadRequest()
					if err := req.encode(stream.batch(0, size, 100_000), views); err != nil {
						b.Fatal(err)
					}
					req.release()
					_ = ABIVersion() // one cgo transition
					var resp pb.ReadResponse
					if err := unmarshalReadResponse(canned, &resp, views); err != nil {
						b.Fatal(err)
					}
					if err := checkReadShape(size, views, &resp); err != nil {
						b.Fatal(err)
					}
					_ = readResultFromProto(resp.Views[0])
				}
			})
		}
	}
}

// BenchmarkGoSideOfWrite is the Go side of a write of 1000 rows alone,
// without the library or a server: proto.Marshal of the struct form (before
// the encoder), the encoder's struct marshaller (WriteBatch now), and the
// encoder filled from plain typed data (WriteEncoded).
func BenchmarkGoSideOfWrite(b *testing.B) {
	for _, view := range []FeatureView{narrowView, wideView} {
		rows := benchRows(view, 0, 1000)
		data := newBenchData(1000)
		enc := new(WriteBatchEncoder)
		b.Run(view.Name+"/protomarshal", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := proto.Marshal(&pb.WriteBatchRequest{FeatureView: view.toProto(), Rows: rowsToProto(rows)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(view.Name+"/structs", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				enc.Reset(view)
				enc.encodeRows(rows)
				if err := enc.ready(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(view.Name+"/encoder", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				encodeBench(enc, view, data, 0, len(rows))
				if err := enc.ready(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
