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
	"github.com/feast-dev/feast/go/protos/feast/types"
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
	keys, err := aerospikeEntityKeys(entityKeys)
	if err != nil {
		return nil, err
	}
	rows, err := a.store.OnlineRead(ctx, keys, featureViewNames, featureNames)
	if err != nil {
		return nil, err
	}
	// One backing array for every row's features and one per kind of scalar
	// value (aerospikeValues) instead of one allocation per row and per value.
	cells := 0
	for _, row := range rows {
		cells += len(row)
	}
	all := make([]FeatureData, cells)
	values := newAerospikeValues(rows)
	out := make([][]FeatureData, len(rows))
	for i, row := range rows {
		if row == nil {
			continue
		}
		features := all[:len(row):len(row)]
		all = all[len(row):]
		for j, fd := range row {
			f := &features[j]
			f.Reference.FeatureViewName = fd.Reference.FeatureViewName
			f.Reference.FeatureName = fd.Reference.FeatureName
			f.Timestamp.Seconds = fd.Timestamp.GetSeconds()
			f.Timestamp.Nanos = fd.Timestamp.GetNanos()
			if err := values.set(&f.Value, fd.Value); err != nil {
				return nil, fmt.Errorf("value of %s:%s: %w", fd.Reference.FeatureViewName, fd.Reference.FeatureName, err)
			}
		}
		out[i] = features
	}
	return out, nil
}

// aerospikeEntityKeys converts Feast's entity keys to the binding's: scalar
// join key values directly (the common case), anything else through the
// shared wire format. The join key names are shared, not copied.
func aerospikeEntityKeys(entityKeys []*types.EntityKey) ([]*pb.EntityKey, error) {
	n := 0
	for _, k := range entityKeys {
		n += len(k.GetEntityValues())
	}
	keys := make([]pb.EntityKey, len(entityKeys))
	ptrs := make([]*pb.EntityKey, len(entityKeys))
	vals := make([]pb.Value, n)
	valPtrs := make([]*pb.Value, n)
	for i, k := range entityKeys {
		ptrs[i] = &keys[i]
		ev := k.GetEntityValues()
		keys[i].JoinKeys = k.GetJoinKeys()
		keys[i].EntityValues = valPtrs[:len(ev):len(ev)]
		for j, v := range ev {
			valPtrs[j] = &vals[j]
			if !aerospikeSetEntityValue(&vals[j], v) {
				if err := aerospikeConvert(v, &vals[j]); err != nil {
					return nil, fmt.Errorf("entity key %d: %w", i, err)
				}
			}
		}
		vals, valPtrs = vals[len(ev):], valPtrs[len(ev):]
	}
	return ptrs, nil
}

// aerospikeSetEntityValue sets dst to v for the scalar kinds a join key has;
// false for any other kind.
func aerospikeSetEntityValue(dst *pb.Value, v *types.Value) bool {
	switch x := v.GetVal().(type) {
	case *types.Value_Int64Val:
		dst.Val = &pb.Value_Int64Val{Int64Val: x.Int64Val}
	case *types.Value_StringVal:
		dst.Val = &pb.Value_StringVal{StringVal: x.StringVal}
	case *types.Value_Int32Val:
		dst.Val = &pb.Value_Int32Val{Int32Val: x.Int32Val}
	case *types.Value_BytesVal:
		dst.Val = &pb.Value_BytesVal{BytesVal: x.BytesVal}
	default:
		return false
	}
	return true
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
	var none aerospikeValues
	return none.set(dst, v)
}

// aerospikeValues hands out Feast's oneof wrappers of scalar values from one
// backing array per kind, sized by counting the kinds of a read's values
// first: a read of rows x features values makes a few allocations, not one
// per value. A kind not counted (or a zero aerospikeValues) allocates.
type aerospikeValues struct {
	i64  []types.Value_Int64Val
	f64  []types.Value_DoubleVal
	str  []types.Value_StringVal
	i32  []types.Value_Int32Val
	f32  []types.Value_FloatVal
	b    []types.Value_BoolVal
	byt  []types.Value_BytesVal
	ts   []types.Value_UnixTimestampVal
	null []types.Value_NullVal
}

func newAerospikeValues(rows [][]fas.FeatureData) *aerospikeValues {
	var n [9]int
	for _, row := range rows {
		for _, fd := range row {
			switch fd.Value.GetVal().(type) {
			case *pb.Value_Int64Val:
				n[0]++
			case *pb.Value_DoubleVal:
				n[1]++
			case *pb.Value_StringVal:
				n[2]++
			case *pb.Value_Int32Val:
				n[3]++
			case *pb.Value_FloatVal:
				n[4]++
			case *pb.Value_BoolVal:
				n[5]++
			case *pb.Value_BytesVal:
				n[6]++
			case *pb.Value_UnixTimestampVal:
				n[7]++
			case *pb.Value_NullVal:
				n[8]++
			}
		}
	}
	return &aerospikeValues{
		i64: aerospikeSlab[types.Value_Int64Val](n[0]), f64: aerospikeSlab[types.Value_DoubleVal](n[1]),
		str: aerospikeSlab[types.Value_StringVal](n[2]), i32: aerospikeSlab[types.Value_Int32Val](n[3]),
		f32: aerospikeSlab[types.Value_FloatVal](n[4]), b: aerospikeSlab[types.Value_BoolVal](n[5]),
		byt: aerospikeSlab[types.Value_BytesVal](n[6]), ts: aerospikeSlab[types.Value_UnixTimestampVal](n[7]),
		null: aerospikeSlab[types.Value_NullVal](n[8]),
	}
}

func aerospikeSlab[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// aerospikeNext returns a pointer to x stored in the slab, or to a fresh copy
// when the slab is full.
func aerospikeNext[T any](slab *[]T, x T) *T {
	if len(*slab) == cap(*slab) {
		return &x
	}
	*slab = append(*slab, x)
	return &(*slab)[len(*slab)-1]
}

// set sets dst to the Feast Value equal to v.
func (s *aerospikeValues) set(dst *types.Value, v *pb.Value) error {
	switch x := v.GetVal().(type) {
	case *pb.Value_Int64Val:
		dst.Val = aerospikeNext(&s.i64, types.Value_Int64Val{Int64Val: x.Int64Val})
	case *pb.Value_DoubleVal:
		dst.Val = aerospikeNext(&s.f64, types.Value_DoubleVal{DoubleVal: x.DoubleVal})
	case *pb.Value_StringVal:
		dst.Val = aerospikeNext(&s.str, types.Value_StringVal{StringVal: x.StringVal})
	case *pb.Value_Int32Val:
		dst.Val = aerospikeNext(&s.i32, types.Value_Int32Val{Int32Val: x.Int32Val})
	case *pb.Value_FloatVal:
		dst.Val = aerospikeNext(&s.f32, types.Value_FloatVal{FloatVal: x.FloatVal})
	case *pb.Value_BoolVal:
		dst.Val = aerospikeNext(&s.b, types.Value_BoolVal{BoolVal: x.BoolVal})
	case *pb.Value_BytesVal:
		dst.Val = aerospikeNext(&s.byt, types.Value_BytesVal{BytesVal: x.BytesVal})
	case *pb.Value_UnixTimestampVal:
		dst.Val = aerospikeNext(&s.ts, types.Value_UnixTimestampVal{UnixTimestampVal: x.UnixTimestampVal})
	case *pb.Value_NullVal:
		dst.Val = aerospikeNext(&s.null, types.Value_NullVal{NullVal: types.Null(x.NullVal)})
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
