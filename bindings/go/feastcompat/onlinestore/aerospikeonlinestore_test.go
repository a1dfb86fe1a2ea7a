// Tests of the "aerospike" online store with Feast's real declarations: this
// file is compiled inside Feast's Go module next to aerospikeonlinestore.go
// (bindings/go/feastserver/build.sh copies both; scripts/ci/feast-go.sh runs
// `go test -run Aerospike ./go/internal/feast/onlinestore/` there). The
// server-backed tests start the test server binary (not Aerospike) named by
// FAS_TESTSERVER_BIN, or use FAS_TESTSERVER_ADDR.
package onlinestore

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"github.com/feast-dev/feast/go/internal/feast/model"
	"github.com/feast-dev/feast/go/internal/feast/registry"
	"github.com/feast-dev/feast/go/protos/feast/core"
	"github.com/feast-dev/feast/go/protos/feast/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestAerospikeConfigDropsPythonOnlyKeysAndWritesIntegersForYAMLNumbers(t *testing.T) {
	block := map[string]interface{}{ // as ghodss/yaml hands it over: numbers are float64
		"type":            "aerospike",
		"hosts":           []interface{}{[]interface{}{"127.0.0.1", float64(3000)}},
		"read_timeout_ms": float64(250),
		"prewriting_hook": "my_module.hook",
		"client_kwargs":   map[string]interface{}{"policies": map[string]interface{}{"timeout": float64(10)}},
		"ttl_seconds":     float64(1.5),
	}
	js, err := aerospikeConfigJSON("proj", 3, block)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]interface{}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range aerospikePythonOnlyKeys {
		if _, ok := got[k]; ok {
			t.Errorf("%s was passed to the library: %s", k, js)
		}
	}
	for _, want := range []string{`"hosts":[["127.0.0.1",3000]]`, `"read_timeout_ms":250`, `"project":"proj"`, `"entity_key_serialization_version":3`, `"ttl_seconds":1.5`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("config JSON %s lacks %s", js, want)
		}
	}
	if _, ok := block["prewriting_hook"]; !ok {
		t.Error("the caller's block was modified")
	}
}

func TestAerospikeOpenRefusesAMisspeltKey(t *testing.T) {
	_, err := newAerospikeOnlineStore("proj", 3, map[string]interface{}{"type": "aerospike", "hostz": []interface{}{}}, &fakeViews{}, 0)
	if err == nil || !strings.Contains(err.Error(), "hostz") {
		t.Fatalf("want a config error naming hostz, got %v", err)
	}
}

// fakeViews is a registry stand-in only for the catalog-update test; the
// end-to-end test below uses Feast's real file registry.
type fakeViews struct{ fvs []*core.FeatureView }

func (f *fakeViews) ListFeatureViews(string) ([]*model.FeatureView, error) {
	out := make([]*model.FeatureView, len(f.fvs))
	for i, p := range f.fvs {
		out[i] = model.NewFeatureViewFromProto(p)
	}
	return out, nil
}
func (f *fakeViews) ListStreamFeatureViews(string) ([]*model.FeatureView, error) { return nil, nil }

func featureViewProto(name string, features map[string]types.ValueType_Enum) *core.FeatureView {
	spec := &core.FeatureViewSpec{Name: name, Project: "proj", Entities: []string{"driver"}, Ttl: &durationpb.Duration{}}
	for _, n := range sortedKeys(features) {
		spec.Features = append(spec.Features, &core.FeatureSpecV2{Name: n, ValueType: features[n]})
	}
	return &core.FeatureView{Spec: spec}
}

func sortedKeys(m map[string]types.ValueType_Enum) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var typedFeatures = map[string]types.ValueType_Enum{
	"i32": types.ValueType_INT32, "f32": types.ValueType_FLOAT, "ts": types.ValueType_UNIX_TIMESTAMP,
	"i32s": types.ValueType_INT32_LIST, "f32s": types.ValueType_FLOAT_LIST,
}

// writeTyped writes one row of view through the binding itself (as Python
// Feast's materialization would store it).
func writeTyped(t *testing.T, addr, view string) {
	t.Helper()
	host, port := splitAddr(t, addr)
	w, err := fas.Open(fas.Config{Project: "proj", Hosts: []fas.Host{{Name: host, Port: port}}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var fv fas.FeatureView
	fv.Name = view
	for _, n := range sortedKeys(typedFeatures) {
		fv.Features = append(fv.Features, fas.Feature{Name: n, Type: pb.ValueType_Enum(typedFeatures[n])})
	}
	row := fas.WriteRow{
		EntityKey: &pb.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*pb.Value{{Val: &pb.Value_Int64Val{Int64Val: 7}}}},
		Values: map[string]*pb.Value{
			"i32":  {Val: &pb.Value_Int32Val{Int32Val: -5}},
			"f32":  {Val: &pb.Value_FloatVal{FloatVal: 1.5}},
			"ts":   {Val: &pb.Value_UnixTimestampVal{UnixTimestampVal: 1700000000}},
			"i32s": {Val: &pb.Value_Int32ListVal{Int32ListVal: &pb.Int32List{Val: []int32{1, 2}}}},
			"f32s": {Val: &pb.Value_FloatListVal{FloatListVal: &pb.FloatList{Val: []float32{0.25}}}},
		},
		EventTimestamp: time.Unix(1700000100, 0),
	}
	if err := w.WriteBatch(context.Background(), fv, []fas.WriteRow{row}); err != nil {
		t.Fatal(err)
	}
}

func readTyped(t *testing.T, s OnlineStore, view string) map[string]*types.Value {
	t.Helper()
	names := sortedKeys(typedFeatures)
	views := make([]string, len(names))
	for i := range views {
		views[i] = view
	}
	key := &types.EntityKey{JoinKeys: []string{"driver_id"}, EntityValues: []*types.Value{{Val: &types.Value_Int64Val{Int64Val: 7}}}}
	rows, err := s.OnlineRead(context.Background(), []*types.EntityKey{key}, views, names)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(rows[0]) != len(names) {
		t.Fatalf("want 1 row of %d features, got %v", len(names), rows)
	}
	out := map[string]*types.Value{}
	for i := range rows[0] {
		fd := &rows[0][i]
		if fd.Reference.FeatureViewName != view || fd.Reference.FeatureName != names[i] {
			t.Errorf("feature %d is %s:%s", i, fd.Reference.FeatureViewName, fd.Reference.FeatureName)
		}
		if fd.Timestamp.Seconds != 1700000100 {
			t.Errorf("%s: event timestamp %v", names[i], fd.Timestamp.Seconds)
		}
		out[names[i]] = &types.Value{Val: fd.Value.Val}
	}
	return out
}

func wantDeclaredTypes(t *testing.T, got map[string]*types.Value) {
	t.Helper()
	want := map[string]*types.Value{
		"i32":  {Val: &types.Value_Int32Val{Int32Val: -5}},
		"f32":  {Val: &types.Value_FloatVal{FloatVal: 1.5}},
		"ts":   {Val: &types.Value_UnixTimestampVal{UnixTimestampVal: 1700000000}},
		"i32s": {Val: &types.Value_Int32ListVal{Int32ListVal: &types.Int32List{Val: []int32{1, 2}}}},
		"f32s": {Val: &types.Value_FloatListVal{FloatListVal: &types.FloatList{Val: []float32{0.25}}}},
	}
	for k, w := range want {
		if !proto.Equal(got[k], w) {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

// The store is built by Feast's own factory from a feature_store.yaml-shaped
// RepoConfig whose registry is a real file registry, with a Python-only key
// and YAML float64 numbers, and reads back the declared types.
func TestAerospikeFactoryReadsDeclaredTypesFromTheRegistry(t *testing.T) {
	addr := testServer(t)
	writeTyped(t, addr, "typed")
	dir := t.TempDir()
	reg := &core.Registry{FeatureViews: []*core.FeatureView{featureViewProto("typed", typedFeatures)}}
	b, err := proto.Marshal(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "registry.db"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	host, port := splitAddr(t, addr)
	cfg := &registry.RepoConfig{
		Project: "proj", RepoPath: dir, Registry: "registry.db", EntityKeySerializationVersion: 3,
		OnlineStore: map[string]interface{}{
			"type": "aerospike", "hosts": []interface{}{[]interface{}{host, float64(port)}},
			"prewriting_hook": "hooks.scrub", "client_kwargs": map[string]interface{}{},
		},
	}
	s, err := NewOnlineStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Destruct()
	wantDeclaredTypes(t, readTyped(t, s, "typed"))
}

// A view that appears in the registry after the store opened is registered
// before it is read; before that, the library can only infer types (the
// negative control: INT32 reads back as INT64).
func TestAerospikeRegistersAViewThatAppearsLater(t *testing.T) {
	addr := testServer(t)
	writeTyped(t, addr, "late")
	host, port := splitAddr(t, addr)
	views := &fakeViews{}
	s, err := newAerospikeOnlineStore("proj", 3, map[string]interface{}{"hosts": []interface{}{[]interface{}{host, float64(port)}}}, views, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Destruct()
	s.syncedAt.Store(time.Now().UnixNano()) // just synced: a miss is not re-read yet
	inferred := readTyped(t, s, "late")
	if _, ok := inferred["i32"].Val.(*types.Value_Int64Val); !ok {
		t.Fatalf("control: an unregistered INT32 should read back as inferred INT64, got %v", inferred["i32"])
	}
	views.fvs = append(views.fvs, featureViewProto("late", typedFeatures))
	s.syncedAt.Store(time.Now().Add(-aerospikeMissResync).UnixNano())
	wantDeclaredTypes(t, readTyped(t, s, "late"))
	if got := s.aerospikeKnownViews(); len(got) != 1 || got[0] != "late" {
		t.Errorf("known views %v", got)
	}
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	var port int
	if err := json.Unmarshal([]byte(addr[i+1:]), &port); err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return addr[:i], port
}

// testServer returns the address of a test server (a test double speaking
// the Aerospike wire protocol, not Aerospike) for this test.
func testServer(t *testing.T) string {
	t.Helper()
	if addr := os.Getenv("FAS_TESTSERVER_ADDR"); addr != "" {
		return addr
	}
	bin := os.Getenv("FAS_TESTSERVER_BIN")
	if bin == "" {
		t.Fatal("set FAS_TESTSERVER_BIN (target/release/feast-aerospike-testserver) or FAS_TESTSERVER_ADDR")
	}
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("test server: %v", err)
	}
	fields := strings.Fields(line)
	return fields[len(fields)-1]
}

// The direct scalar conversion gives exactly what the wire-format conversion
// gives, for every kind it handles and one it does not.
func TestAerospikeSetValueMatchesTheWireConversion(t *testing.T) {
	for _, v := range []*pb.Value{
		{Val: &pb.Value_Int64Val{Int64Val: -1 << 62}}, {Val: &pb.Value_DoubleVal{DoubleVal: 0.1}},
		{Val: &pb.Value_StringVal{StringVal: "ü"}}, {Val: &pb.Value_Int32Val{Int32Val: -3}},
		{Val: &pb.Value_FloatVal{FloatVal: 1.5}}, {Val: &pb.Value_BoolVal{BoolVal: true}},
		{Val: &pb.Value_BytesVal{BytesVal: []byte{0, 255}}}, {Val: &pb.Value_UnixTimestampVal{UnixTimestampVal: 1700000000}},
		{Val: &pb.Value_NullVal{}}, {},
		{Val: &pb.Value_StringListVal{StringListVal: &pb.StringList{Val: []string{"a", ""}}}},
	} {
		var direct, wire types.Value
		if err := aerospikeSetValue(&direct, v); err != nil {
			t.Fatal(err)
		}
		if err := aerospikeConvert(v, &wire); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(&direct, &wire) {
			t.Errorf("%v: direct %v, wire %v", v, &direct, &wire)
		}
	}
}

// The direct entity key conversion gives exactly what the wire-format
// conversion gives: composite keys, every scalar join key kind and one that
// goes through the wire format.
func TestAerospikeEntityKeysMatchTheWireConversion(t *testing.T) {
	in := []*types.EntityKey{
		{JoinKeys: []string{"driver_id"}, EntityValues: []*types.Value{{Val: &types.Value_Int64Val{Int64Val: -7}}}},
		{JoinKeys: []string{"a", "b", "c"}, EntityValues: []*types.Value{
			{Val: &types.Value_StringVal{StringVal: "ü"}}, {Val: &types.Value_Int32Val{Int32Val: 3}},
			{Val: &types.Value_BytesVal{BytesVal: []byte{0, 255}}}}},
		{JoinKeys: []string{"flag"}, EntityValues: []*types.Value{{Val: &types.Value_BoolVal{BoolVal: true}}}},
		{},
		{JoinKeys: []string{"driver_id"}, EntityValues: []*types.Value{{Val: &types.Value_Int64Val{Int64Val: 1 << 40}}}},
	}
	got, err := aerospikeEntityKeys(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("%d keys for %d", len(got), len(in))
	}
	for i, k := range in {
		var wire pb.EntityKey
		if err := aerospikeConvert(k, &wire); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got[i], &wire) {
			t.Errorf("key %d: direct %v, wire %v", i, got[i], &wire)
		}
	}
}

// A view whose declared types change in the registry is re-registered once
// the registry's cache TTL has passed.
func TestAerospikeReRegistersAfterTheRegistryTTL(t *testing.T) {
	addr := testServer(t)
	writeTyped(t, addr, "changing")
	host, port := splitAddr(t, addr)
	asInt64 := map[string]types.ValueType_Enum{}
	for k, v := range typedFeatures {
		asInt64[k] = v
	}
	asInt64["i32"] = types.ValueType_INT64
	views := &fakeViews{fvs: []*core.FeatureView{featureViewProto("changing", asInt64)}}
	s, err := newAerospikeOnlineStore("proj", 3, map[string]interface{}{"hosts": []interface{}{[]interface{}{host, float64(port)}}}, views, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Destruct()
	if got := readTyped(t, s, "changing")["i32"]; got.GetInt64Val() != -5 {
		t.Fatalf("declared INT64: got %v", got)
	}
	views.fvs = []*core.FeatureView{featureViewProto("changing", typedFeatures)}
	if got := readTyped(t, s, "changing")["i32"]; got.GetInt64Val() != -5 {
		t.Fatalf("within the TTL the old declaration holds: got %v", got)
	}
	s.syncedAt.Store(time.Now().Add(-time.Hour).UnixNano())
	wantDeclaredTypes(t, readTyped(t, s, "changing"))
}
