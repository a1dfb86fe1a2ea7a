// The Java side of a write, without the library or a server: building one chunk of
// 1000 benchmark rows and serialising it into a direct buffer (what the Panama path
// writes into native memory), through WriteBatchRequest messages and through
// WriteBatchEncoder, interleaved round by round. A plain timing main (no JMH):
//
//   java -cp target/classes:target/test-classes:$(cat target/cp.txt) \
//       dev.feastaerospike.WriteEncodeTiming [rounds] [chunks per round]
package dev.feastaerospike;

import com.sun.management.ThreadMXBean;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

public final class WriteEncodeTiming {
    private static final int ROWS = 1000;
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private WriteEncodeTiming() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        ByteBuffer out = ByteBuffer.allocateDirect(4 << 20);
        for (FeatureView view : new FeatureView[] {BenchData.NARROW, BenchData.WIDE}) {
            boolean narrow = view == BenchData.NARROW;
            WriteBatchEncoder encoder = new WriteBatchEncoder(view);
            double[][] nsPerRow = new double[2][rounds];
            double[][] bytesPerRow = new double[2][rounds];
            long id = 0;
            for (int r = -1; r < rounds; r++) {   // round -1 warms up
                for (int path = 0; path < 2; path++) {
                    long b0 = THREADS.getCurrentThreadAllocatedBytes();
                    long t0 = System.nanoTime();
                    for (int c = 0; c < chunks; c++, id += ROWS) {
                        out.clear();
                        if (path == 0) {
                            WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(view);
                            for (long k = id; k < id + ROWS; k++) {
                                b.addRows(BenchData.row(view, k));
                            }
                            NativeBackend.Request.of(b.build()).writeTo(out);
                        } else {
                            encoder.reset();
                            for (long k = id; k < id + ROWS; k++) {
                                BenchData.appendRow(encoder, narrow, k);
                            }
                            encoder.request().writeTo(out);
                        }
                    }
                    long ns = System.nanoTime() - t0;
                    long bytes = THREADS.getCurrentThreadAllocatedBytes() - b0;
                    if (r >= 0) {
                        nsPerRow[path][r] = (double) ns / chunks / ROWS;
                        bytesPerRow[path][r] = (double) bytes / chunks / ROWS;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%s (%d features): message path %s ns/row, %s B/row; encoder %s ns/row, %s B/row"
                    + " (median of %d rounds of %d chunks of %d rows)%n", view.getName(), view.getFeaturesCount(),
                    median(nsPerRow[0]), median(bytesPerRow[0]), median(nsPerRow[1]), median(bytesPerRow[1]),
                    rounds, chunks, ROWS);
        }
    }

    private static String median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return String.format(Locale.ROOT, "%.0f", v[v.length / 2]);
    }
}
