// The store configuration: the online-store block of Feast's
// feature_store.yaml with the same keys and defaults as Feast 0.67's
// AerospikeOnlineStoreConfig, plus the repo-level project and
// entity_key_serialization_version. The library validates it; a key it does
// not know is an error there, never silently ignored.
package feastaerospike

import (
	"encoding/json"
	"fmt"
)

// Config mirrors the keys of Feast's Aerospike online-store config. Zero
// values and nil pointers are left out of the JSON, so the library applies
// Feast's defaults; pointers exist where zero is a meaningful value
// (ttl_seconds 0 means "never expire", max_retries 0 means "no retry").
type Config struct {
	Project                       string `json:"project"`
	EntityKeySerializationVersion int    `json:"entity_key_serialization_version,omitempty"`

	// Type is "aerospike" when set; Feast's config block carries it.
	Type               string            `json:"type,omitempty"`
	Hosts              []Host            `json:"hosts,omitempty"`
	Namespace          string            `json:"namespace,omitempty"`
	SetNameTemplate    string            `json:"set_name_template,omitempty"`
	CollectionSuffix   string            `json:"collection_suffix,omitempty"`
	NamespaceOverrides map[string]string `json:"namespace_overrides,omitempty"`
	SetOverrides       map[string]string `json:"set_overrides,omitempty"`

	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	// AuthMode is "internal", "external" or "pki".
	AuthMode string         `json:"auth_mode,omitempty"`
	TLS      map[string]any `json:"tls,omitempty"`

	TTLSeconds     *int `json:"ttl_seconds,omitempty"`
	WriteTimeoutMs *int `json:"write_timeout_ms,omitempty"`
	// ReadTimeoutMs is accepted (Feast's config has it) and validated, but
	// ignored: every read is a batch, as in Feast, bounded by
	// BatchTotalTimeoutMs and the context's deadline.
	ReadTimeoutMs       *int `json:"read_timeout_ms,omitempty"`
	BatchTotalTimeoutMs *int `json:"batch_total_timeout_ms,omitempty"`
	SocketTimeoutMs     *int `json:"socket_timeout_ms,omitempty"`
	MaxRetries          *int `json:"max_retries,omitempty"`
	BatchMaxRecords     *int `json:"batch_max_records,omitempty"`

	// EventTimeSafeWrites makes a row apply only when the record holds no
	// newer event timestamp for its view; older rows are reported as
	// skipped (WriteOutcome.SkippedStale). Off by default (Feast's
	// last-writer-wins).
	EventTimeSafeWrites bool `json:"event_time_safe_writes,omitempty"`
}

// Host is one seed node: [host, port] or [host, port, tls_name] in JSON.
type Host struct {
	Name    string
	Port    int
	TLSName string
}

// MarshalJSON writes the list form Feast uses.
func (h Host) MarshalJSON() ([]byte, error) {
	if h.TLSName != "" {
		return json.Marshal([]any{h.Name, h.Port, h.TLSName})
	}
	return json.Marshal([]any{h.Name, h.Port})
}

// UnmarshalJSON reads [host, port] or [host, port, tls_name].
func (h *Host) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("host must be [host, port] or [host, port, tls_name]: %w", err)
	}
	if len(parts) != 2 && len(parts) != 3 {
		return fmt.Errorf("host must be [host, port] or [host, port, tls_name], got %d elements", len(parts))
	}
	var out Host
	if err := json.Unmarshal(parts[0], &out.Name); err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	if err := json.Unmarshal(parts[1], &out.Port); err != nil {
		return fmt.Errorf("host port: %w", err)
	}
	if len(parts) == 3 {
		if err := json.Unmarshal(parts[2], &out.TLSName); err != nil {
			return fmt.Errorf("host tls_name: %w", err)
		}
	}
	*h = out
	return nil
}

// Int returns a pointer to n, for the optional numeric fields of Config.
func Int(n int) *int { return &n }

// JSON encodes the config as the library expects it.
func (c Config) JSON() ([]byte, error) {
	return json.Marshal(c)
}

// String describes the config without the password.
func (c Config) String() string {
	redacted := c
	if redacted.Password != "" {
		redacted.Password = "********"
	}
	b, err := json.Marshal(redacted)
	if err != nil {
		return "feastaerospike.Config{unprintable: " + err.Error() + "}"
	}
	return string(b)
}

// GoString keeps %#v from printing the password too.
func (c Config) GoString() string { return "feastaerospike.Config" + c.String() }
