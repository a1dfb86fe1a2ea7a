// Read and ReadViews: feature values of one or more views for a batch of
// entities, in request order.
package feastaerospike

import (
	"context"
	"fmt"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

// Read returns the features of one view for entityKeys (all declared
// features when features is empty). Rows are aligned with entityKeys.
func (s *Store) Read(ctx context.Context, view FeatureView, entityKeys []*pb.EntityKey, features []string) (ReadResult, error) {
	res, err := s.ReadViews(ctx, entityKeys, ViewRead{View: view, Features: features})
	if err != nil {
		return ReadResult{}, err
	}
	return res[0], nil
}

// ReadViews reads several views for the same entities in one call; views
// stored in the same (namespace, set) share one round trip per batch. The
// results are aligned with views.
func (s *Store) ReadViews(ctx context.Context, entityKeys []*pb.EntityKey, views ...ViewRead) ([]ReadResult, error) {
	resp, err := s.readViews(ctx, entityKeys, views)
	if err != nil {
		return nil, err
	}
	out := make([]ReadResult, len(resp.GetViews()))
	for i, v := range resp.GetViews() {
		out[i] = readResultFromProto(v)
	}
	return out, nil
}

// readViews runs a read, its request encoded directly (readenc.go), and
// checks the response has the shape the request asks for, so callers can
// index it without further checks.
func (s *Store) readViews(ctx context.Context, entityKeys []*pb.EntityKey, views []ViewRead) (*pb.ReadResponse, error) {
	req := getReadRequest()
	defer req.release()
	var resp pb.ReadResponse
	err := s.callEncoded(ctx, opRead, func(ms uint32, hasDeadline bool) ([]byte, error) {
		if err := req.encode(entityKeys, views); err != nil {
			return nil, err
		}
		return withTimeout(req.buf, ms, hasDeadline), nil
	}, readResponse{&resp, views})
	if err != nil {
		return nil, err
	}
	if err := checkReadShape(len(entityKeys), views, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// checkReadShape checks resp answers a read of entities entity keys in views.
func checkReadShape(entities int, views []ViewRead, resp *pb.ReadResponse) error {
	bad := func(format string, args ...any) error {
		return newError(opRead.String(), StatusInternal, -1, "malformed response from the library: "+fmt.Sprintf(format, args...))
	}
	if len(resp.GetViews()) != len(views) {
		return bad("%d views for %d requested", len(resp.GetViews()), len(views))
	}
	for i, v := range resp.GetViews() {
		if len(v.GetRows()) != entities {
			return bad("view %q has %d rows for %d entity keys", v.GetFeatureView(), len(v.GetRows()), entities)
		}
		if want := views[i].Features; len(want) > 0 {
			got := v.GetFeatureNames()
			if len(got) != len(want) {
				return bad("view %q has %d features for %d requested", v.GetFeatureView(), len(got), len(want))
			}
			for k := range want {
				if got[k] != want[k] {
					return bad("view %q answers feature %q where %q was requested", v.GetFeatureView(), got[k], want[k])
				}
			}
		}
		for _, r := range v.GetRows() {
			if r.GetFound() && len(r.GetValues()) != len(v.GetFeatureNames()) {
				return bad("view %q has a row of %d values for %d features", v.GetFeatureView(), len(r.GetValues()), len(v.GetFeatureNames()))
			}
		}
	}
	return nil
}
