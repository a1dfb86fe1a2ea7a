// Update and Teardown: the schema-side operations `feast apply` and
// `feast teardown` trigger.
package feastaerospike

import (
	"context"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
)

// Update removes the dropped views (viewsToDelete) from every record's
// features and event_ts maps, with one background job per (namespace, set).
// With wait, it returns once the jobs finished (bounded by ctx's deadline).
func (s *Store) Update(ctx context.Context, viewsToDelete, viewsToKeep []FeatureView, wait bool) ([]UpdateJob, error) {
	req := &pb.UpdateRequest{ViewsToDelete: viewsToProto(viewsToDelete), ViewsToKeep: viewsToProto(viewsToKeep), Wait: wait}
	var resp pb.UpdateResponse
	if err := s.call(ctx, opUpdate, req, timeoutSetter(&req.TimeoutMs), &resp); err != nil {
		return nil, err
	}
	jobs := make([]UpdateJob, len(resp.GetJobs()))
	for i, j := range resp.GetJobs() {
		jobs[i] = UpdateJob{Namespace: j.GetNamespace(), Set: j.GetSetName(), RemovedViews: j.GetRemovedViews(), TaskID: j.GetTaskId(), Completed: j.GetCompleted(), RecordsUpdated: j.GetRecordsUpdated()}
	}
	return jobs, nil
}

// Teardown deletes the data of the project's default set and of every set
// the views resolve to (truncate). It does not close the store.
func (s *Store) Teardown(ctx context.Context, views []FeatureView) ([]SetRef, error) {
	req := &pb.TeardownRequest{Views: viewsToProto(views)}
	var resp pb.TeardownResponse
	if err := s.call(ctx, opTeardown, req, timeoutSetter(&req.TimeoutMs), &resp); err != nil {
		return nil, err
	}
	sets := make([]SetRef, len(resp.GetTruncated()))
	for i, t := range resp.GetTruncated() {
		sets[i] = SetRef{Namespace: t.GetNamespace(), Set: t.GetSetName()}
	}
	return sets, nil
}
