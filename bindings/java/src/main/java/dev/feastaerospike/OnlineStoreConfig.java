// A typed builder for the store's configuration, with the same keys as Feast
// 0.67's AerospikeOnlineStoreConfig; it renders the JSON the C ABI's init takes.
package dev.feastaerospike;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The online-store configuration. Only keys that were set are sent, so every other key
 * keeps Feast's default (applied by the native library, which also rejects bad values).
 * {@link #toString()} never shows the password.
 */
public final class OnlineStoreConfig {
    private final Map<String, Object> keys;
    private final PrewritingHook prewritingHook;

    private OnlineStoreConfig(Map<String, Object> keys, PrewritingHook prewritingHook) {
        this.keys = keys;
        this.prewritingHook = prewritingHook;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The configuration as the JSON object the native library's init takes. */
    public String toJson() {
        StringBuilder out = new StringBuilder();
        writeJson(out, keys);
        return out.toString();
    }

    public PrewritingHook prewritingHook() {
        return prewritingHook;
    }

    @Override
    public String toString() {
        Map<String, Object> shown = new LinkedHashMap<>(keys);
        shown.computeIfPresent("password", (k, v) -> "***");
        StringBuilder out = new StringBuilder("OnlineStoreConfig");
        writeJson(out, shown);
        return out.toString();
    }

    /** Builds an {@link OnlineStoreConfig}; method names follow Feast's keys. */
    public static final class Builder {
        private final Map<String, Object> keys = new LinkedHashMap<>();
        private final List<Object> hosts = new ArrayList<>();
        private final Map<String, Object> namespaceOverrides = new LinkedHashMap<>();
        private final Map<String, Object> setOverrides = new LinkedHashMap<>();
        private PrewritingHook prewritingHook;

        private Builder() {}

        /** Feast's repo-level {@code project}: names the default set. */
        public Builder project(String project) {
            return put("project", project);
        }

        /** {@code entity_key_serialization_version}: 3 (default) or 2. */
        public Builder entityKeySerializationVersion(int version) {
            return put("entity_key_serialization_version", version);
        }

        /** Adds a seed node {@code [host, port]}; the default is {@code [["localhost", 3000]]}. */
        public Builder host(String host, int port) {
            hosts.add(List.of(Objects.requireNonNull(host, "host"), port));
            return this;
        }

        /** Adds a TLS seed node {@code [host, port, tls_name]}. */
        public Builder host(String host, int port, String tlsName) {
            hosts.add(List.of(Objects.requireNonNull(host, "host"), port, Objects.requireNonNull(tlsName, "tlsName")));
            return this;
        }

        public Builder namespace(String namespace) {
            return put("namespace", namespace);
        }

        public Builder setNameTemplate(String template) {
            return put("set_name_template", template);
        }

        public Builder collectionSuffix(String suffix) {
            return put("collection_suffix", suffix);
        }

        public Builder namespaceOverride(String featureView, String namespace) {
            namespaceOverrides.put(Objects.requireNonNull(featureView), Objects.requireNonNull(namespace));
            return this;
        }

        public Builder setOverride(String featureView, String setName) {
            setOverrides.put(Objects.requireNonNull(featureView), Objects.requireNonNull(setName));
            return this;
        }

        public Builder user(String user) {
            return put("user", user);
        }

        public Builder password(String password) {
            return put("password", password);
        }

        /** {@code internal}, {@code external} or {@code pki}. */
        public Builder authMode(String authMode) {
            return put("auth_mode", authMode);
        }

        /** The {@code tls} block, passed through as JSON (maps, lists, strings, numbers, booleans). */
        public Builder tls(Map<String, ?> tls) {
            return put("tls", new LinkedHashMap<>(tls));
        }

        /** Record TTL: unset = namespace default, 0 = never expire, n = n seconds. */
        public Builder ttlSeconds(int seconds) {
            return put("ttl_seconds", seconds);
        }

        public Builder writeTimeoutMs(int ms) {
            return put("write_timeout_ms", ms);
        }

        /**
         * Accepted (Feast's config has it) and validated, but ignored: every read is a
         * batch, as in Feast, bounded by {@link #batchTotalTimeoutMs(int)} and the
         * request's own timeout.
         */
        public Builder readTimeoutMs(int ms) {
            return put("read_timeout_ms", ms);
        }

        public Builder batchTotalTimeoutMs(int ms) {
            return put("batch_total_timeout_ms", ms);
        }

        public Builder socketTimeoutMs(int ms) {
            return put("socket_timeout_ms", ms);
        }

        public Builder maxRetries(int retries) {
            return put("max_retries", retries);
        }

        public Builder batchMaxRecords(int records) {
            return put("batch_max_records", records);
        }

        /**
         * {@code event_time_safe_writes}: a row applies only when the record holds no newer
         * event timestamp for its view; older rows come back in
         * {@code WriteBatchResponse.skipped_stale_rows}. Off by default (Feast's behaviour).
         */
        public Builder eventTimeSafeWrites(boolean enabled) {
            return put("event_time_safe_writes", enabled);
        }

        /** The Java form of Feast's {@code prewriting_hook}; applied by the store, not sent. */
        public Builder prewritingHook(PrewritingHook hook) {
            this.prewritingHook = hook;
            return this;
        }

        public OnlineStoreConfig build() {
            Map<String, Object> all = new LinkedHashMap<>(keys);
            if (!hosts.isEmpty()) {
                all.put("hosts", List.copyOf(hosts));
            }
            if (!namespaceOverrides.isEmpty()) {
                all.put("namespace_overrides", new LinkedHashMap<>(namespaceOverrides));
            }
            if (!setOverrides.isEmpty()) {
                all.put("set_overrides", new LinkedHashMap<>(setOverrides));
            }
            return new OnlineStoreConfig(all, prewritingHook);
        }

        /** Builds the configuration and opens a store with it. */
        public AerospikeOnlineStore open() {
            return AerospikeOnlineStore.open(build());
        }

        private Builder put(String key, Object value) {
            keys.put(key, Objects.requireNonNull(value, key));
            return this;
        }
    }

    static void writeJson(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            writeString(out, s);
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                writeString(out, String.valueOf(e.getKey()));
                out.append(':');
                writeJson(out, e.getValue());
                if (it.hasNext()) {
                    out.append(',');
                }
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                writeJson(out, list.get(i));
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
