// The adapter Feast's Go feature server would add (as
// go/internal/feast/onlinestore/aerospikeonlinestore.go) to serve features
// from Aerospike through the feast-aerospike Go binding. It only converts
// between Feast's generated types and the binding's wire-compatible ones;
// every store operation happens in the binding's Rust library.
package onlinestore

import (
	"context"
	"encoding/json"
	"fmt"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"github.com/feast-dev/feast/go/protos/feast/serving"
	"github.com/feast-dev/feast/go/protos/feast/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// AerospikeOnlineStore implements OnlineStore over a feast-aerospike Store.
type AerospikeOnlineStore struct {
	store *fas.Store
}

// NewAerospikeOnlineStore opens the store from the online_store block of
// feature_store.yaml (the same keys as Feast's Python Aerospike store).
func NewAerospikeOnlineStore(project string, config *RepoConfig, onlineStoreConfig map[string]interface{}) (*AerospikeOnlineStore, error) {
	block := make(map[string]interface{}, len(onlineStoreConfig)+2)
	for k, v := range onlineStoreConfig {
		block[k] = v
	}
	block["project"] = project
	if config.EntityKeySerializationVersion != 0 {
		block["entity_key_serialization_version"] = config.EntityKeySerializationVersion
	}
	js, err := json.Marshal(block)
	if err != nil {
		return nil, fmt.Errorf("aerospike online store config: %w", err)
	}
	store, err := fas.OpenJSON(js)
	if err != nil {
		return nil, err
	}
	return &AerospikeOnlineStore{store: store}, nil
}

// OnlineRead returns [entity][feature] results aligned with the parallel
// featureViewNames/featureNames arrays; nil for an entity without data.
func (a *AerospikeOnlineStore) OnlineRead(ctx context.Context, entityKeys []*types.EntityKey, featureViewNames []string, featureNames []string) ([][]FeatureData, error) {
	keys := make([]*pb.EntityKey, len(entityKeys))
	for i, k := range entityKeys {
		keys[i] = &pb.EntityKey{}
		if err := convert(k, keys[i]); err != nil {
			return nil, fmt.Errorf("entity key %d: %w", i, err)
		}
	}
	rows, err := a.store.OnlineRead(ctx, keys, featureViewNames, featureNames)
	if err != nil {
		return nil, err
	}
	out := make([][]FeatureData, len(rows))
	for i, row := range rows {
		if row == nil {
			continue
		}
		features := make([]FeatureData, len(row))
		for j, fd := range row {
			var value types.Value
			if err := convert(fd.Value, &value); err != nil {
				return nil, fmt.Errorf("value of %s:%s: %w", fd.Reference.FeatureViewName, fd.Reference.FeatureName, err)
			}
			features[j] = FeatureData{
				Reference: serving.FeatureReferenceV2{FeatureViewName: fd.Reference.FeatureViewName, FeatureName: fd.Reference.FeatureName},
				Timestamp: timestamppb.Timestamp{Seconds: fd.Timestamp.GetSeconds(), Nanos: fd.Timestamp.GetNanos()},
				Value:     types.Value{Val: value.Val},
			}
		}
		out[i] = features
	}
	return out, nil
}

// Destruct closes the store.
func (a *AerospikeOnlineStore) Destruct() {
	_ = a.store.Close()
}

// convert moves a message between Feast's generated package and the
// binding's: they share the wire format, so the bytes of one are the other.
func convert(from, to proto.Message) error {
	b, err := proto.Marshal(from)
	if err != nil {
		return err
	}
	return proto.Unmarshal(b, to)
}
