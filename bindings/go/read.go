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
	req := &pb.ReadRequest{EntityKeys: entityKeys, Views: make([]*pb.ViewRead, len(views))}
	for i := range views {
		req.Views[i] = &pb.ViewRead{FeatureView: views[i].View.toProto(), RequestedFeatures: views[i].Features}
	}
	resp, err := s.readProto(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]ReadResult, len(resp.GetViews()))
	for i, v := range resp.GetViews() {
		out[i] = readResultFromProto(v)
	}
	return out, nil
}

// readProto runs a read and checks the response has the shape the request
// asks for, so callers can index it without further checks.
func (s *Store) readProto(ctx context.Context, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	var resp pb.ReadResponse
	if err := s.call(ctx, opRead, req, timeoutSetter(&req.TimeoutMs), &resp); err != nil {
		return nil, err
	}
	if err := checkReadShape(req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

func checkReadShape(req *pb.ReadRequest, resp *pb.ReadResponse) error {
	bad := func(format string, args ...any) error {
		return newError(opRead.String(), StatusInternal, -1, "malformed response from the library: "+fmt.Sprintf(format, args...))
	}
	if len(resp.GetViews()) != len(req.GetViews()) {
		return bad("%d views for %d requested", len(resp.GetViews()), len(req.GetViews()))
	}
	for i, v := range resp.GetViews() {
		if len(v.GetRows()) != len(req.GetEntityKeys()) {
			return bad("view %q has %d rows for %d entity keys", v.GetFeatureView(), len(v.GetRows()), len(req.GetEntityKeys()))
		}
		if want := req.GetViews()[i].GetRequestedFeatures(); len(want) > 0 {
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
