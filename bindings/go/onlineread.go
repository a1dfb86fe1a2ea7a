// OnlineRead: the read shaped like Feast's Go feature server OnlineStore
// interface (go/internal/feast/onlinestore), so an adapter there is a thin
// type conversion.
package feastaerospike

import (
	"context"
	"fmt"

	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// FeatureReference names one feature of one view, like Feast's
// serving.FeatureReferenceV2.
type FeatureReference struct {
	FeatureViewName string
	FeatureName     string
}

// FeatureData is one feature of one entity, like Feast's
// onlinestore.FeatureData. Feast holds the timestamp and value by value;
// here they are pointers so results are not copied. Timestamp is shared by
// the features of one view for one entity: treat both as read-only.
type FeatureData struct {
	Reference FeatureReference
	// Timestamp is the view's event timestamp for this entity; zero (not
	// nil) when the entity has no data for this view.
	Timestamp *timestamppb.Timestamp
	// Value is the stored value; a NullVal value when the entity has no
	// data for this view or the record lacks this feature.
	Value *pb.Value
}

// OnlineRead reads features of several views for entityKeys in one call.
// featureViewNames and featureNames are parallel: entry i asks for feature
// featureNames[i] of view featureViewNames[i]. The result has one entry per
// entity key, in order; an entity with no data in any requested view is a
// nil entry, any other entry has len(featureNames) elements aligned with the
// request. Views stored in the same (namespace, set) are fetched in one round
// trip per batch.
//
// Reads are type-directed: each feature's type comes from the views
// registered with RegisterFeatureViews (or WithFeatureViews). A view that was
// not registered is read with its features' types unspecified, which the
// library resolves from the stored values.
func (s *Store) OnlineRead(ctx context.Context, entityKeys []*pb.EntityKey, featureViewNames []string, featureNames []string) ([][]FeatureData, error) {
	plan, err := s.planOnlineRead(featureViewNames, featureNames)
	if err != nil {
		return nil, err
	}
	if len(entityKeys) == 0 {
		return [][]FeatureData{}, nil
	}
	resp, err := s.readViews(ctx, entityKeys, plan.views)
	if err != nil {
		return nil, err
	}
	return plan.shape(resp, len(entityKeys)), nil
}

// onlineReadPlan maps the caller's parallel name arrays onto one view read
// per distinct view name (in order of first use), each feature once.
type onlineReadPlan struct {
	views     []ViewRead
	positions []featurePosition // aligned with the caller's featureNames
	refs      []FeatureReference
}

type featurePosition struct{ view, feature int }

func (s *Store) planOnlineRead(featureViewNames, featureNames []string) (*onlineReadPlan, error) {
	if len(featureViewNames) != len(featureNames) {
		return nil, newError(opRead.String(), StatusInvalidArgument, -1, fmt.Sprintf(
			"online read: %d feature view names for %d feature names; the arrays are parallel",
			len(featureViewNames), len(featureNames)))
	}
	catalog := *s.views.Load()
	p := &onlineReadPlan{positions: make([]featurePosition, len(featureNames)), refs: make([]FeatureReference, len(featureNames))}
	viewIndex := map[string]int{}
	featureIndex := make([]map[string]int, 0, 2)
	for i, viewName := range featureViewNames {
		name := featureNames[i]
		if viewName == "" || name == "" {
			return nil, newError(opRead.String(), StatusInvalidArgument, -1, fmt.Sprintf(
				"online read: empty feature view or feature name at position %d", i))
		}
		v, ok := viewIndex[viewName]
		if !ok {
			v = len(p.views)
			viewIndex[viewName] = v
			p.views = append(p.views, ViewRead{View: FeatureView{Name: viewName}})
			featureIndex = append(featureIndex, map[string]int{})
		}
		f, ok := featureIndex[v][name]
		if !ok {
			typ := pb.ValueType_INVALID
			if declared, registered := catalog[viewName]; registered {
				found := false
				for _, d := range declared.Features {
					if d.Name == name {
						typ, found = d.Type, true
						break
					}
				}
				if !found {
					return nil, newError(opRead.String(), StatusInvalidArgument, -1, fmt.Sprintf(
						"online read: feature %q is not declared in the registered feature view %q", name, viewName))
				}
			}
			vr := &p.views[v]
			f = len(vr.Features)
			featureIndex[v][name] = f
			vr.Features = append(vr.Features, name)
			vr.View.Features = append(vr.View.Features, Feature{Name: name, Type: typ})
		}
		p.positions[i] = featurePosition{view: v, feature: f}
		p.refs[i] = FeatureReference{FeatureViewName: viewName, FeatureName: name}
	}
	return p, nil
}

// shape builds the [entity][feature] result from a response whose shape
// readViews already checked.
func (p *onlineReadPlan) shape(resp *pb.ReadResponse, entities int) [][]FeatureData {
	out := make([][]FeatureData, entities)
	views := resp.GetViews()
	stamps := make([]*timestamppb.Timestamp, len(views))
	for e := 0; e < entities; e++ {
		anyFound := false
		for v, view := range views {
			row := view.GetRows()[e]
			if row.GetFound() {
				anyFound = true
				stamps[v] = row.GetEventTimestamp()
				if stamps[v] == nil {
					stamps[v] = &timestamppb.Timestamp{}
				}
			} else {
				stamps[v] = nil
			}
		}
		if !anyFound {
			continue
		}
		var zero *timestamppb.Timestamp
		features := make([]FeatureData, len(p.positions))
		for i, pos := range p.positions {
			fd := FeatureData{Reference: p.refs[i]}
			if ts := stamps[pos.view]; ts != nil {
				fd.Timestamp = ts
				fd.Value = views[pos.view].GetRows()[e].GetValues()[pos.feature]
				if fd.Value.GetVal() == nil {
					fd.Value = nullValue()
				}
			} else {
				if zero == nil {
					zero = &timestamppb.Timestamp{}
				}
				fd.Timestamp = zero
				fd.Value = nullValue()
			}
			features[i] = fd
		}
		out[e] = features
	}
	return out
}

func nullValue() *pb.Value {
	return &pb.Value{Val: &pb.Value_NullVal{NullVal: pb.Null_NULL}}
}
