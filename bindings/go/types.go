// Go-side request and result types, and their conversion to and from the
// feast_aerospike.v1 protobuf messages.
package feastaerospike

import (
	"time"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// FeatureView is a feature view as the store needs it: its name decides the
// record layout (namespace/set overrides, the key inside the record's maps)
// and the declared feature types decide how stored values are read back.
type FeatureView struct {
	Name     string
	Features []Feature
}

// Feature is one declared feature of a view.
type Feature struct {
	Name string
	Type pb.ValueType_Enum
}

// WriteRow is one entity's values for one feature view.
type WriteRow struct {
	EntityKey *pb.EntityKey
	// Values maps feature name to value. The row replaces the view's whole
	// slot in the record, as Feast's Python store does: features not named
	// here read back unset. Other views' data in the record is untouched.
	Values map[string]*pb.Value
	// EventTimestamp is the feature values' event time (stored as epoch ms).
	EventTimestamp time.Time
	// CreatedTimestamp, when not zero, is written to the record's created_ts.
	CreatedTimestamp time.Time
}

// ViewRead names a view to read and the features to return, in order (all
// declared features when Features is empty).
type ViewRead struct {
	View     FeatureView
	Features []string
}

// ReadResult is one view's answer, aligned with the requested entity keys.
type ReadResult struct {
	FeatureView  string
	FeatureNames []string
	Rows         []ReadRow
}

// ReadRow is one entity's data for one view.
type ReadRow struct {
	// Found is false when the entity has no data for this view; Values is
	// then nil.
	Found          bool
	EventTimestamp time.Time
	// Values is aligned with ReadResult.FeatureNames. A feature absent from
	// the stored record is a Value with no field set.
	Values []*pb.Value
}

// UpdateJob is one background job that removed dropped views from a set.
type UpdateJob struct {
	Namespace    string
	Set          string
	RemovedViews []string
	TaskID       uint64
	// Completed is true when the caller asked to wait and the job finished.
	Completed bool
	// RecordsUpdated is the number of records the job rewrote (when waited
	// for).
	RecordsUpdated uint64
}

// SetRef names one (namespace, set).
type SetRef struct {
	Namespace string
	Set       string
}

func (v *FeatureView) toProto() *pb.FeatureView {
	out := &pb.FeatureView{Name: v.Name, Features: make([]*pb.Feature, len(v.Features))}
	for i, f := range v.Features {
		out.Features[i] = &pb.Feature{Name: f.Name, ValueType: f.Type}
	}
	return out
}

func viewsToProto(views []FeatureView) []*pb.FeatureView {
	out := make([]*pb.FeatureView, len(views))
	for i := range views {
		out[i] = views[i].toProto()
	}
	return out
}

// timestampProto leaves a zero time unset rather than sending year 1.
func timestampProto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeFromProto(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func rowsToProto(rows []WriteRow) []*pb.WriteRow {
	out := make([]*pb.WriteRow, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = &pb.WriteRow{
			EntityKey:        r.EntityKey,
			Values:           r.Values,
			EventTimestamp:   timestampProto(r.EventTimestamp),
			CreatedTimestamp: timestampProto(r.CreatedTimestamp),
		}
	}
	return out
}

func readResultFromProto(v *pb.ViewResult) ReadResult {
	out := ReadResult{
		FeatureView:  v.GetFeatureView(),
		FeatureNames: v.GetFeatureNames(),
		Rows:         make([]ReadRow, len(v.GetRows())),
	}
	for i, r := range v.GetRows() {
		if !r.GetFound() {
			continue
		}
		out.Rows[i] = ReadRow{Found: true, EventTimestamp: timeFromProto(r.GetEventTimestamp()), Values: r.GetValues()}
	}
	return out
}
