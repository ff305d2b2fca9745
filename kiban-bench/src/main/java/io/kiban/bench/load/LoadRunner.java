package io.kiban.bench.load;

import io.kiban.bench.client.CallResult;
import io.kiban.bench.client.LlmClient;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one step of load against a client: closed loop (a fixed number of virtual users, each sending its next
 * request when the previous one ends) or open loop (requests started at scheduled times whatever happens to earlier
 * ones: constant rate, Poisson arrivals, or a trace's timestamps).
 *
 * <p>Every step is bounded: no request starts after warm-up + {@code duration}, at most {@code maxRequests} are
 * measured, and the open loop waits at most {@code drain} for the requests still in flight, counting those left as
 * {@code unfinished}. Requests started during warm-up run and are discarded; the load does not pause between
 * warm-up and measurement.
 */
public final class LoadRunner {
    private final LlmClient client;
    private final PrintStream progress;

    public LoadRunner(LlmClient client, PrintStream progressOrNull) {
        this.client = client;
        this.progress = progressOrNull;
    }

    /** Arrival times of an open loop. */
    @FunctionalInterface
    public interface Schedule {
        /** Offset of request {@code i} from the start, or -1 for no more requests. */
        long offsetNanos(long i);

        static Schedule constant(double perSecond) {
            double gap = 1e9 / perSecond;
            return i -> Math.round(i * gap);
        }

        /** Exponential gaps with the given mean rate, reproducible from {@code seed}. */
        static Schedule poisson(double perSecond, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            List<Long> offsets = new ArrayList<>();
            double[] t = {0};
            return i -> {
                synchronized (offsets) {
                    while (offsets.size() <= i) {
                        offsets.add(Math.round(t[0]));
                        t[0] += -Math.log(1 - random.nextDouble()) * 1e9 / perSecond;
                    }
                    return offsets.get((int) i);
                }
            };
        }
    }

    /** Settings shared by both loops. */
    public record Limits(Duration duration, long maxRequests, Duration warmup, Duration drain) {}

    public StepResult closed(String workload, String label, JobSource jobs, int concurrency, Limits limits,
            boolean stream) {
        StepRecorder warm = new StepRecorder();
        StepRecorder main = new StepRecorder();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        long warmEnd = t0 + limits.warmup().toNanos();
        long deadline = warmEnd + limits.duration().toNanos();
        main.start(warmEnd);
        AtomicLong index = new AtomicLong();
        AtomicLong measured = new AtomicLong();
        List<Thread> users = new ArrayList<>();
        try (Progress p = Progress.start(progress, label, warmEnd, limits.duration().toSeconds(), main::snapshot)) {
            for (int u = 0; u < concurrency; u++) {
                users.add(Thread.ofVirtual().name("user-" + u).start(() -> {
                    while (true) {
                        long now = System.nanoTime();
                        if (now - deadline >= 0) {
                            return;
                        }
                        boolean measuring = now - warmEnd >= 0;
                        if (measuring && limits.maxRequests() > 0 && measured.incrementAndGet() > limits.maxRequests()) {
                            return;
                        }
                        Job job = jobs.job(index.getAndIncrement());
                        if (job == null) {
                            return;
                        }
                        StepRecorder rec = measuring ? main : warm;
                        rec.inFlight.incrementAndGet();
                        CallResult r = client.call(job.path(), job.body(), job.stream(), true);
                        rec.inFlight.decrementAndGet();
                        rec.record(r, r.sendNanos());
                    }
                }));
            }
            for (Thread t : users) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return main.result(workload, "closed", concurrency, 0, stream, cpuNanos() - cpu0, System.nanoTime() - t0,
                index.get());
    }

    public StepResult open(String workload, String label, String mode, double rate, JobSource jobs, Schedule schedule,
            Limits limits, int maxInFlight, boolean stream) {
        StepRecorder warm = new StepRecorder();
        StepRecorder main = new StepRecorder();
        long cpu0 = cpuNanos();
        long sent = 0;
        long t0 = System.nanoTime() + 1_000_000;
        long warmEnd = t0 + limits.warmup().toNanos();
        long horizon = limits.warmup().toNanos() + limits.duration().toNanos();
        main.start(warmEnd);
        Semaphore slots = new Semaphore(maxInFlight);
        AtomicLong running = new AtomicLong();
        long measured = 0;
        try (Progress p = Progress.start(progress, label, warmEnd, limits.duration().toSeconds(), main::snapshot)) {
            for (long i = 0; ; i++) {
                Job job = jobs.job(i);
                if (job == null) {
                    break;
                }
                // jobs replayed from a trace carry their own offsets; then schedule may be null
                long off = job.offsetNanos() >= 0 ? job.offsetNanos() : schedule.offsetNanos(i);
                if (off < 0 || off >= horizon) {
                    break;
                }
                long intended = t0 + off;
                boolean measuring = intended - warmEnd >= 0;
                if (measuring && limits.maxRequests() > 0 && ++measured > limits.maxRequests()) {
                    break;
                }
                parkUntil(intended);
                slots.acquireUninterruptibly(); // at the cap the dispatcher waits; latency still counts from intended
                StepRecorder rec = measuring ? main : warm;
                rec.inFlight.incrementAndGet();
                running.incrementAndGet();
                sent++;
                Thread.ofVirtual().start(() -> {
                    try {
                        CallResult r = client.call(job.path(), job.body(), job.stream(), true);
                        rec.record(r, intended);
                    } finally {
                        rec.inFlight.decrementAndGet();
                        running.decrementAndGet();
                        slots.release();
                    }
                });
            }
            long drainEnd = System.nanoTime() + limits.drain().toNanos();
            while (running.get() > 0 && System.nanoTime() - drainEnd < 0) {
                Thread.sleep(5);
            }
            main.seal(main.inFlight.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return main.result(workload, mode, 0, rate, stream, cpuNanos() - cpu0, System.nanoTime() - t0 + 1_000_000,
                sent);
    }

    /** CPU time of this whole process (all threads), ns; 0 where the JVM cannot tell. */
    static long cpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    private static void parkUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
