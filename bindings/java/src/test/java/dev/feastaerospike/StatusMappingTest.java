// Proves every C ABI status code has its exception type, against the ABI's own
// sources (docs/ABI.md's table and include/feast_aerospike.h).
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StatusMappingTest {
    private static final Map<Status, Class<? extends FeastAerospikeException>> EXPECTED = Map.of(
            Status.INVALID_ARGUMENT, InvalidArgumentException.class,
            Status.DECODE, DecodeException.class,
            Status.CONFIG, ConfigException.class,
            Status.CONNECTION, ConnectionException.class,
            Status.TIMEOUT, StoreTimeoutException.class,
            Status.SERVER, ServerException.class,
            Status.CLOSED, StoreClosedException.class,
            Status.PANIC, NativePanicException.class,
            Status.INTERNAL, InternalException.class);

    @Test
    void everyErrorStatusHasItsOwnExceptionType() {
        Set<Class<?>> seen = new HashSet<>();
        for (Status status : Status.values()) {
            if (status == Status.OK) {
                continue;
            }
            FeastAerospikeException e = FeastAerospikeException.of(status.code(), 17, "boom");
            assertEquals(EXPECTED.get(status), e.getClass(), "exception type of " + status);
            assertEquals(status, e.status());
            assertEquals(17, e.resultCode());
            assertTrue(e.getMessage().contains("boom"));
            assertTrue(seen.add(e.getClass()), "two statuses share " + e.getClass());
        }
        assertEquals(Status.values().length - 1, seen.size());
    }

    @Test
    void unknownAndOkStatusesBecomeInternalErrorsNamingTheNumber() {
        FeastAerospikeException unknown = FeastAerospikeException.of(42, -1, "from the future");
        assertInstanceOf(InternalException.class, unknown);
        assertTrue(unknown.getMessage().contains("42"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("from the future"));
        assertInstanceOf(InternalException.class, FeastAerospikeException.of(0, -1, "odd"));
    }

    @Test
    void statusNumbersMatchTheTableInDocsAbi() throws IOException {
        String doc = Files.readString(repoRoot().resolve("docs/ABI.md"));
        Matcher m = Pattern.compile("\\|\\s*(\\d+)\\s*\\|\\s*`(FAS_[A-Z_]+)`").matcher(doc);
        Map<String, Integer> table = new TreeMap<>();
        while (m.find()) {
            table.put(m.group(2), Integer.parseInt(m.group(1)));
        }
        assertMatchesStatusEnum(table, "docs/ABI.md");
    }

    @Test
    void statusNumbersMatchTheHeader() throws IOException {
        String header = Files.readString(repoRoot().resolve("include/feast_aerospike.h"));
        Matcher m = Pattern.compile("#define\\s+(FAS_(?:OK|ERR_[A-Z_]+))\\s+(\\d+)").matcher(header);
        Map<String, Integer> defines = new TreeMap<>();
        while (m.find()) {
            defines.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertMatchesStatusEnum(defines, "include/feast_aerospike.h");
        Matcher abi = Pattern.compile("#define\\s+FAS_ABI_VERSION\\s+(\\d+)").matcher(header);
        assertTrue(abi.find(), "FAS_ABI_VERSION in the header");
        assertEquals(Integer.parseInt(abi.group(1)), NativeLibrary.EXPECTED_ABI_VERSION,
                "the binding's expected ABI version follows the header");
    }

    /** Every documented code maps to the same-named Status and back; none is missing. */
    private static void assertMatchesStatusEnum(Map<String, Integer> codes, String source) {
        assertFalse(codes.isEmpty(), "no status codes found in " + source);
        Map<Integer, String> byCode = new HashMap<>();
        for (Map.Entry<String, Integer> e : codes.entrySet()) {
            String name = e.getKey().equals("FAS_OK") ? "OK" : e.getKey().substring("FAS_ERR_".length());
            Status status = Status.fromCode(e.getValue());
            assertNotNull(status, source + ": " + e.getKey() + " = " + e.getValue() + " has no Status");
            assertEquals(name, status.name(), source + ": " + e.getKey());
            byCode.put(e.getValue(), e.getKey());
        }
        for (Status s : Status.values()) {
            assertTrue(byCode.containsKey(s.code()), source + " lacks " + s);
        }
    }

    static Path repoRoot() {
        String root = System.getProperty("feastaerospike.repo.root");
        return root != null ? Path.of(root) : Path.of("../..");
    }
}
