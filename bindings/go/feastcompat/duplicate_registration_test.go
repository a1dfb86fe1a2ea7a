// Proves a Go binary can link Feast's generated feast.types package (as
// Feast's Go feature server does) next to this binding: the binding
// registers only feast_aerospike.v1 names, so start-up does not panic with a
// duplicate registration, and its messages are wire-compatible with Feast's.
package feastcompat_test

import (
	"strings"
	"testing"

	fas "github.com/feast-aerospike/feast-aerospike/bindings/go"
	"github.com/feast-aerospike/feast-aerospike/bindings/go/pb"
	"github.com/feast-dev/feast/go/protos/feast/serving"
	feasttypes "github.com/feast-dev/feast/go/protos/feast/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Reaching this test at all means both packages' init functions registered
// their files in the global registry without the default "panic" conflict
// policy firing. The checks below make sure both are really linked in and
// that each name belongs to the package that should own it.
func TestBothPackagesAreRegisteredUnderTheirOwnNames(t *testing.T) {
	_ = fas.ErrTimeout // the binding itself is linked in, not only pb
	for name, want := range map[protoreflect.FullName]proto.Message{
		"feast.types.Value":                    &feasttypes.Value{},
		"feast.types.EntityKey":                &feasttypes.EntityKey{},
		"feast.serving.FeatureReferenceV2":     &serving.FeatureReferenceV2{},
		"feast_aerospike.v1.Value":             &pb.Value{},
		"feast_aerospike.v1.EntityKey":         &pb.EntityKey{},
		"feast_aerospike.v1.ReadRequest":       &pb.ReadRequest{},
		"feast_aerospike.v1.WriteBatchRequest": &pb.WriteBatchRequest{},
	} {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, wantType := mt.New().Interface(), want; got.ProtoReflect().Type() != wantType.ProtoReflect().Type() {
			t.Errorf("%s is registered by %T, want %T", name, got, wantType)
		}
	}
	// Nothing of ours lives in Feast's proto packages or file paths.
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		ours := strings.HasPrefix(fd.Path(), "feast_aerospike/")
		inFeast := strings.HasPrefix(string(fd.Package()), "feast.")
		if ours && (inFeast || fd.Package() != "feast_aerospike.v1") {
			t.Errorf("%s declares package %s", fd.Path(), fd.Package())
		}
		if !ours && fd.Package() == "feast_aerospike.v1" {
			t.Errorf("%s (not ours) declares our package", fd.Path())
		}
		return true
	})
}

// Negative control: the registry does reject a second definition of a
// feast.types name, so the test above passing is meaningful. (A binding that
// generated its own feast.types package would hit exactly this at start-up.)
func TestRegistryRejectsASecondFeastTypesDefinition(t *testing.T) {
	files := new(protoregistry.Files)
	for _, fd := range []protoreflect.FileDescriptor{
		feasttypes.File_feast_types_Value_proto,
		feasttypes.File_feast_types_EntityKey_proto,
		pb.File_feast_aerospike_v1_types_proto,
	} {
		if err := files.RegisterFile(fd); err != nil {
			t.Fatalf("register %s: %v", fd.Path(), err)
		}
	}
	dup := protodesc.ToFileDescriptorProto(feasttypes.File_feast_types_Value_proto)
	dup.Name = proto.String("some/binding/feast_types_copy.proto")
	copyFD, err := protodesc.NewFile(dup, files)
	if err != nil {
		t.Fatalf("build the copy: %v", err)
	}
	if err := files.RegisterFile(copyFD); err == nil {
		t.Fatal("a second feast.types.Value was accepted; the control is broken")
	}
}

// Every message of Feast's feast.types has a counterpart in
// feast_aerospike.v1 with the same fields (number, name, kind, cardinality,
// message type), so bytes from Feast's classes decode as ours and back.
func TestTypesAreWireCompatibleWithFeast(t *testing.T) {
	ours := pb.File_feast_aerospike_v1_types_proto
	if n := feasttypes.File_feast_types_Value_proto.Messages().ByName("Value").Fields().Len(); n < 40 {
		t.Fatalf("Feast's Value has only %d fields; is this Feast 0.67's descriptor?", n)
	}
	for _, feastFile := range []protoreflect.FileDescriptor{feasttypes.File_feast_types_Value_proto, feasttypes.File_feast_types_EntityKey_proto} {
		msgs := feastFile.Messages()
		for i := 0; i < msgs.Len(); i++ {
			compareMessage(t, msgs.Get(i), ours)
		}
	}
}

func compareMessage(t *testing.T, theirs protoreflect.MessageDescriptor, ours protoreflect.FileDescriptor) {
	t.Helper()
	mine := findMessage(ours, relativeName(theirs.FullName()))
	if mine == nil {
		t.Errorf("no counterpart for %s", theirs.FullName())
		return
	}
	fields := theirs.Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		g := mine.Fields().ByNumber(f.Number())
		if g == nil {
			t.Errorf("%s: field %d (%s) missing", theirs.FullName(), f.Number(), f.Name())
			continue
		}
		if g.Name() != f.Name() || g.Kind() != f.Kind() || g.Cardinality() != f.Cardinality() || g.IsMap() != f.IsMap() {
			t.Errorf("%s.%s differs: ours %s %v %v", theirs.FullName(), f.Name(), g.Name(), g.Kind(), g.Cardinality())
		}
		if f.Message() != nil && relativeName(f.Message().FullName()) != relativeName(g.Message().FullName()) {
			t.Errorf("%s.%s: message %s vs %s", theirs.FullName(), f.Name(), f.Message().FullName(), g.Message().FullName())
		}
		if f.Enum() != nil && relativeName(f.Enum().FullName()) != relativeName(g.Enum().FullName()) {
			t.Errorf("%s.%s: enum %s vs %s", theirs.FullName(), f.Name(), f.Enum().FullName(), g.Enum().FullName())
		}
	}
	nested := theirs.Messages()
	for i := 0; i < nested.Len(); i++ {
		if !nested.Get(i).IsMapEntry() {
			compareMessage(t, nested.Get(i), ours)
		}
	}
}

func relativeName(n protoreflect.FullName) string {
	s := string(n)
	for _, pkg := range []string{"feast.types.", "feast_aerospike.v1."} {
		s = strings.TrimPrefix(s, pkg)
	}
	return s
}

func findMessage(fd protoreflect.FileDescriptor, rel string) protoreflect.MessageDescriptor {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(string(fd.Package()) + "." + rel))
	if err != nil {
		return nil
	}
	md, _ := d.(protoreflect.MessageDescriptor)
	return md
}

// A round trip of real values through both generated packages.
func TestValuesCrossBetweenPackages(t *testing.T) {
	feastKey := &feasttypes.EntityKey{
		JoinKeys:     []string{"driver_id", "city"},
		EntityValues: []*feasttypes.Value{{Val: &feasttypes.Value_Int64Val{Int64Val: 42}}, {Val: &feasttypes.Value_StringVal{StringVal: "Zürich"}}},
	}
	b, err := proto.Marshal(feastKey)
	if err != nil {
		t.Fatal(err)
	}
	var ours pb.EntityKey
	if err := proto.Unmarshal(b, &ours); err != nil {
		t.Fatal(err)
	}
	if ours.EntityValues[0].GetInt64Val() != 42 || ours.EntityValues[1].GetStringVal() != "Zürich" {
		t.Fatalf("decoded %v", &ours)
	}
	value := &pb.Value{Val: &pb.Value_DoubleListVal{DoubleListVal: &pb.DoubleList{Val: []float64{1.5, -2}}}}
	b, err = proto.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	var theirs feasttypes.Value
	if err := proto.Unmarshal(b, &theirs); err != nil {
		t.Fatal(err)
	}
	if got := theirs.GetDoubleListVal().GetVal(); len(got) != 2 || got[0] != 1.5 || got[1] != -2 {
		t.Fatalf("decoded %v", &theirs)
	}
	if len(theirs.ProtoReflect().GetUnknown()) != 0 {
		t.Fatal("fields unknown to Feast's Value")
	}
}
