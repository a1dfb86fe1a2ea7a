// The "aerospike" online store of Feast's Go feature server, served by the
// feast-aerospike Go binding. This file is compiled inside Feast's tree:
// bindings/go/feastserver/build.sh copies it to
// go/internal/feast/onlinestore/aerospikeonlinestore.go of Feast's Go module
// (Feast's OnlineStore interface is internal there) and its patch adds the
// "aerospike" case to NewOnlineStore. It converts between Feast's generated
// types and the binding's wire-compatible ones and keeps the binding's catalog
// of feature types in step with Feast's registry; every store operation
// happens in the binding's Rust library.
package onlinestore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"github.com/feast-dev/feast/go/internal/feast/model"
	"github.com/feast-dev/feast/go/internal/feast/registry"
	"github.com/feast-dev/feast/go/protos/feast/serving"
	"github.com/feast-dev/feast/go/protos/feast/types"
	"github.com/golang/protobuf/ptypes/timestamp"
	"github.com/rs/zerolog/log"
	"google.golang.org/protobuf/proto"
)

// aerospikePythonOnlyKeys are keys of Feast's Python AerospikeOnlineStoreConfig
// that only its write path or its Python client uses. The Go server never
// writes and has no Python client, so a feature_store.yaml shared with Python
// may keep them: they are dropped (with one log line), not refused.
var aerospikePythonOnlyKeys = []string{"prewriting_hook", "client_kwargs"}

// aerospikeMissResync bounds how often a read naming a view the catalog does
// not know yet re-reads the registry.
const aerospikeMissResync = time.Second

// aerospikeViewSource lists the feature views whose declared types the store
// must know; *registry.Registry is one.
type aerospikeViewSource interface {
	ListFeatureViews(project string) ([]*model.FeatureView, error)
	ListStreamFeatureViews(project string) ([]*model.FeatureView, error)
}

// AerospikeOnlineStore implements OnlineStore over a feast-aerospike Store.
type AerospikeOnlineStore struct {
	project string
	store   *fas.Store
	views   aerospikeViewSource
	// resyncEvery is the registry's cache TTL: the registry cannot change
	// more often than that (0: it never refreshes).
	resyncEvery time.Duration

	known    atomic.Pointer[map[string]struct{}] // views registered in store
	syncedAt atomic.Int64                        // unix nanos of the last sync
	syncMu   sync.Mutex
}

// NewAerospikeOnlineStore opens the store from the online_store block of
// feature_store.yaml (the keys of Feast's Python Aerospike store) and loads
// the feature types of every view from the registry the server uses.
func NewAerospikeOnlineStore(project string, config *registry.RepoConfig, onlineStoreConfig map[string]interface{}) (*AerospikeOnlineStore, error) {
	registryConfig, err := config.GetRegistryConfig()
	if err != nil {
		return nil, fmt.Errorf("aerospike online store: registry config: %w", err)
	}
	reg, err := registry.NewRegistry(registryConfig, config.RepoPath, project)
	if err != nil {
		return nil, fmt.Errorf("aerospike online store: registry: %w", err)
	}
	if err := reg.InitializeRegistry(); err != nil {
		return nil, fmt.Errorf("aerospike online store: registry: %w", err)
	}
	ttl := time.Duration(registryConfig.CacheTtlSeconds) * time.Second
	return newAerospikeOnlineStore(project, config.EntityKeySerializationVersion, onlineStoreConfig, reg, ttl)
}

func newAerospikeOnlineStore(project string, entityKeySerializationVersion int64, onlineStoreConfig map[string]interface{}, views aerospikeViewSource, resyncEvery time.Duration) (*AerospikeOnlineStore, error) {
	js, err := aerospikeConfigJSON(project, entityKeySerializationVersion, onlineStoreConfig)
	if err != nil {
		return nil, err
	}
	store, err := fas.OpenJSON(js)
	if err != nil {
		return nil, err
	}
	a := &AerospikeOnlineStore{project: project, store: store, views: views, resyncEvery: resyncEvery}
	if err := a.sync(); err != nil {
		_ = store.Close()
		return nil, err
	}
	return a, nil
}

// aerospikeConfigJSON turns the online_store block into the library's JSON
// config: Python-only keys dropped, integral YAML numbers (float64 after
// Feast's YAML-to-JSON conversion) written as integers, and the repo-level
// project and entity_key_serialization_version added.
func aerospikeConfigJSON(project string, entityKeySerializationVersion int64, onlineStoreConfig map[string]interface{}) ([]byte, error) {
	block := make(map[string]interface{}, len(onlineStoreConfig)+2)
	for k, v := range onlineStoreConfig {
		block[k] = aerospikeIntegralNumbers(v)
	}
	var dropped []string
	for _, k := range aerospikePythonOnlyKeys {
		if _, ok := block[k]; ok {
			delete(block, k)
			dropped = append(dropped, k)
		}
	}
	if len(dropped) > 0 {
		log.Info().Strs("keys", dropped).Msg("aerospike online store: ignoring Python-only online_store keys (the Go feature server only reads)")
	}
	block["project"] = project
	if entityKeySerializationVersion != 0 {
		block["entity_key_serialization_version"] = entityKeySerializationVersion
	}
	js, err := json.Marshal(block)
	if err != nil {
		return nil, fmt.Errorf("aerospike online store config: %w", err)
	}
	return js, nil
}

// aerospikeIntegralNumbers returns v with every float64 that holds an exact
// integer replaced by an int64, in nested maps and lists too.
func aerospikeIntegralNumbers(v interface{}) interface{} {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case map[string]interface{}:
		out := make(map[string]interface{}, len(x))
		for k, e := range x {
			out[k] = aerospikeIntegralNumbers(e)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			out[i] = aerospikeIntegralNumbers(e)
		}
		return out
	default:
		return v
	}
}

// sync registers every feature view and stream feature view of the project,
// with its declared feature types, in the binding's catalog.
func (a *AerospikeOnlineStore) sync() error {
	a.syncMu.Lock()
	defer a.syncMu.Unlock()
	return a.syncLocked()
}

// syncIfOlder syncs unless another caller did since `before` (concurrent
// reads that all saw a stale catalog sync it once).
func (a *AerospikeOnlineStore) syncIfOlder(before int64) error {
	a.syncMu.Lock()
	defer a.syncMu.Unlock()
	if a.syncedAt.Load() > before {
		return nil
	}
	return a.syncLocked()
}

func (a *AerospikeOnlineStore) syncLocked() error {
	fvs, err := a.views.ListFeatureViews(a.project)
	if err != nil {
		return fmt.Errorf("aerospike online store: list feature views: %w", err)
	}
	sfvs, err := a.views.ListStreamFeatureViews(a.project)
	if err != nil {
		return fmt.Errorf("aerospike online store: list stream feature views: %w", err)
	}
	all := append(fvs, sfvs...)
	views := make([]fas.FeatureView, 0, len(all))
	known := make(map[string]struct{}, len(all))
	for _, fv := range all {
		views = append(views, aerospikeFeatureView(fv))
		known[fv.Base.Name] = struct{}{}
	}
	a.store.RegisterFeatureViews(views...)
	a.known.Store(&known)
	a.syncedAt.Store(time.Now().UnixNano())
	return nil
}

// aerospikeFeatureView is the binding's form of a registry feature view.
func aerospikeFeatureView(fv *model.FeatureView) fas.FeatureView {
	features := make([]fas.Feature, len(fv.Base.Features))
	for i, f := range fv.Base.Features {
		// feast.types.ValueType.Enum and feast_aerospike.v1's are the same enum.
		features[i] = fas.Feature{Name: f.Name, Type: pb.ValueType_Enum(f.Dtype)}
	}
	return fas.FeatureView{Name: fv.Base.Name, Features: features}
}

// ensureViews re-reads the registry when it may have changed since the last
// sync, or when a read names a view the catalog does not know (at most once
// per aerospikeMissResync).
func (a *AerospikeOnlineStore) ensureViews(featureViewNames []string) error {
	syncedAt := a.syncedAt.Load()
	since := time.Duration(time.Now().UnixNano() - syncedAt)
	if a.resyncEvery > 0 && since >= a.resyncEvery {
		return a.syncIfOlder(syncedAt)
	}
	known := *a.known.Load()
	prev := ""
	for _, name := range featureViewNames {
		if name == prev {
			continue
		}
		prev = name
		if _, ok := known[name]; !ok {
			if since < aerospikeMissResync {
				return nil // recently synced: the library infers this view's types
			}
			return a.syncIfOlder(syncedAt)
		}
	}
	return nil
}

// OnlineRead returns [entity][feature] results aligned with the parallel
// featureViewNames/featureNames arrays; nil for an entity without data in
// any requested view, a NullVal value for a feature without data.
func (a *AerospikeOnlineStore) OnlineRead(ctx context.Context, entityKeys []*types.EntityKey, featureViewNames []string, featureNames []string) ([][]FeatureData, error) {
	if err := a.ensureViews(featureViewNames); err != nil {
		return nil, err
	}
	keys := make([]*pb.EntityKey, len(entityKeys))
	for i, k := range entityKeys {
		keys[i] = &pb.EntityKey{}
		if err := aerospikeConvert(k, keys[i]); err != nil {
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
			features[j] = FeatureData{
				Reference: serving.FeatureReferenceV2{FeatureViewName: fd.Reference.FeatureViewName, FeatureName: fd.Reference.FeatureName},
				Timestamp: timestamp.Timestamp{Seconds: fd.Timestamp.GetSeconds(), Nanos: fd.Timestamp.GetNanos()},
			}
			if err := aerospikeSetValue(&features[j].Value, fd.Value); err != nil {
				return nil, fmt.Errorf("value of %s:%s: %w", fd.Reference.FeatureViewName, fd.Reference.FeatureName, err)
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

// aerospikeKnownViews lists the views registered in the binding, sorted (for
// tests and diagnostics).
func (a *AerospikeOnlineStore) aerospikeKnownViews() []string {
	known := *a.known.Load()
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// aerospikeSetValue sets dst to the Feast Value equal to v: scalars directly
// (the common case), anything else through the shared wire format.
func aerospikeSetValue(dst *types.Value, v *pb.Value) error {
	switch x := v.GetVal().(type) {
	case *pb.Value_Int64Val:
		dst.Val = &types.Value_Int64Val{Int64Val: x.Int64Val}
	case *pb.Value_DoubleVal:
		dst.Val = &types.Value_DoubleVal{DoubleVal: x.DoubleVal}
	case *pb.Value_StringVal:
		dst.Val = &types.Value_StringVal{StringVal: x.StringVal}
	case *pb.Value_Int32Val:
		dst.Val = &types.Value_Int32Val{Int32Val: x.Int32Val}
	case *pb.Value_FloatVal:
		dst.Val = &types.Value_FloatVal{FloatVal: x.FloatVal}
	case *pb.Value_BoolVal:
		dst.Val = &types.Value_BoolVal{BoolVal: x.BoolVal}
	case *pb.Value_BytesVal:
		dst.Val = &types.Value_BytesVal{BytesVal: x.BytesVal}
	case *pb.Value_UnixTimestampVal:
		dst.Val = &types.Value_UnixTimestampVal{UnixTimestampVal: x.UnixTimestampVal}
	case *pb.Value_NullVal:
		dst.Val = &types.Value_NullVal{NullVal: types.Null(x.NullVal)}
	case nil:
		dst.Val = nil
	default:
		return aerospikeConvert(v, dst)
	}
	return nil
}

// aerospikeConvert moves a message between Feast's generated package and the
// binding's: they share the wire format, so the bytes of one are the other.
func aerospikeConvert(from, to proto.Message) error {
	b, err := proto.Marshal(from)
	if err != nil {
		return err
	}
	return proto.Unmarshal(b, to)
}
