// The typed configuration renders the JSON keys Feast uses and never shows a password.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnlineStoreConfigTest {
    @Test
    void rendersOnlyTheKeysThatWereSet() {
        assertEquals("{}", OnlineStoreConfig.builder().build().toJson());
        Map<String, Object> tls = new LinkedHashMap<>();
        tls.put("cafile", "/etc/ca.pem");
        tls.put("enable", true);
        PrewritingHook hook = (view, rows) -> rows;
        OnlineStoreConfig config = OnlineStoreConfig.builder()
                .project("bench")
                .host("10.0.0.1", 3000)
                .host("10.0.0.2", 4333, "tls-name")
                .namespace("feast")
                .namespaceOverride("driver_hot", "feast_ram")
                .setOverride("driver_hot", "hot_set")
                .ttlSeconds(0)
                .batchMaxRecords(500)
                .tls(tls)
                .entityKeySerializationVersion(2)
                .prewritingHook(hook)
                .build();
        assertEquals("{\"project\":\"bench\",\"namespace\":\"feast\",\"ttl_seconds\":0,"
                + "\"batch_max_records\":500,\"tls\":{\"cafile\":\"/etc/ca.pem\",\"enable\":true},"
                + "\"entity_key_serialization_version\":2,"
                + "\"hosts\":[[\"10.0.0.1\",3000],[\"10.0.0.2\",4333,\"tls-name\"]],"
                + "\"namespace_overrides\":{\"driver_hot\":\"feast_ram\"},"
                + "\"set_overrides\":{\"driver_hot\":\"hot_set\"}}", config.toJson());
        assertSame(hook, config.prewritingHook());
    }

    @Test
    void escapesStrings() {
        String json = OnlineStoreConfig.builder().project("a\"b\\c\nd\u0001").build().toJson();
        assertEquals("{\"project\":\"a\\\"b\\\\c\\nd\\u0001\"}", json);
    }

    @Test
    void toStringHidesThePassword() {
        OnlineStoreConfig config = OnlineStoreConfig.builder().user("feast").password("s3cr3t-pw").build();
        assertTrue(config.toJson().contains("s3cr3t-pw"));
        assertFalse(config.toString().contains("s3cr3t-pw"), config.toString());
        assertTrue(config.toString().contains("\"user\":\"feast\""));
    }

    @Test
    void listsOfHostsAreCopied() {
        OnlineStoreConfig.Builder b = OnlineStoreConfig.builder().host("h", 1);
        OnlineStoreConfig first = b.build();
        b.host("h2", 2);
        assertEquals("{\"hosts\":[[\"h\",1]]}", first.toJson());
    }
}
