// Stand-ins for the declarations of Feast's Go feature server that the
// adapter in aerospikeonlinestore.go uses, with the shapes they have in
// feast-dev/feast go/internal/feast/onlinestore/onlinestore.go and
// go/internal/feast/registry (which are internal packages, so they cannot be
// imported from here). In Feast, only aerospikeonlinestore.go and the
// "aerospike" case of NewOnlineStore would be added.
package onlinestore

import (
	"context"
	"fmt"

	"github.com/feast-dev/feast/go/protos/feast/serving"
	"github.com/feast-dev/feast/go/protos/feast/types"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// RepoConfig is the part of Feast's registry.RepoConfig the store reads.
type RepoConfig struct {
	Project                       string
	OnlineStore                   map[string]interface{}
	EntityKeySerializationVersion int64
}

// FeatureData has the shape of Feast's onlinestore.FeatureData.
type FeatureData struct {
	Reference serving.FeatureReferenceV2
	Timestamp timestamppb.Timestamp
	Value     types.Value
}

// OnlineStore has the shape of Feast's onlinestore.OnlineStore.
type OnlineStore interface {
	OnlineRead(ctx context.Context, entityKeys []*types.EntityKey, featureViewNames []string, featureNames []string) ([][]FeatureData, error)
	Destruct()
}

// NewOnlineStore mirrors Feast's factory with the one case this adapter adds.
func NewOnlineStore(config *RepoConfig) (OnlineStore, error) {
	storeType, _ := config.OnlineStore["type"].(string)
	switch storeType {
	case "aerospike":
		return NewAerospikeOnlineStore(config.Project, config, config.OnlineStore)
	default:
		return nil, fmt.Errorf("%s online store type is not supported by this stand-in", storeType)
	}
}
