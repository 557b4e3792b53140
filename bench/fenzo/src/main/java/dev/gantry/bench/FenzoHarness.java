package dev.gantry.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.netflix.fenzo.AssignmentFailure;
import com.netflix.fenzo.SchedulingResult;
import com.netflix.fenzo.TaskAssignmentResult;
import com.netflix.fenzo.TaskRequest;
import com.netflix.fenzo.TaskScheduler;
import com.netflix.fenzo.VMAssignmentResult;
import com.netflix.fenzo.VirtualMachineLease;
import com.netflix.fenzo.plugins.BinPackingFitnessCalculators;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Runs Netflix Fenzo's TaskScheduler on one Gantry instance file and prints Gantry's result shape:
 * {"assignments":{task:node},"unplaced":{task:reason},"nodesUsed":N,"millis":M, ...extras}.
 *
 * Configuration is Fenzo as shipped plus cpu+memory bin packing: the Builder's default good-enough function is
 * {@code f > 1.0}, which no fitness in [0, 1] satisfies, so every task is tried on every host (full scan) and the
 * best fitness wins. {@code --good-enough X} instead stops the scan at the first host with fitness >= X.
 *
 * One scheduleOnce call is complete: Fenzo walks the task list once in order and tries each task against every
 * host with the assignments made earlier in the same call already deducted. Free capacity only shrinks during the
 * call, so a task that found no host could not find one in a second call either; the harness checks this instead
 * of looping (see "scheduleOnceCalls" and "isSinglePassComplete" in the output).
 *
 * Timing covers scheduleOnce only (System.nanoTime), not parsing or building leases and requests. The first run
 * in the JVM is reported as coldMillis; after it come untimed warm-up runs (JIT warm-up), at least --warmup of them
 * and until they have spent at least --warmup-ms in scheduleOnce, then --runs runs on fresh copies of the instance
 * (fresh scheduler, leases and requests) are timed and their median is "millis".
 *
 * Usage: java -jar fenzo-harness.jar FILE [--good-enough 0.9] [--warmup 0] [--warmup-ms 0] [--runs 3]
 */
public final class FenzoHarness {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        MAPPER.getFactory().configure(StreamWriteFeature.AUTO_CLOSE_TARGET.mappedFeature(), false);
    }

    private FenzoHarness() {}

    record Node(String id, Map<String, Double> capacity, Map<String, String> attributes) {}

    record Task(String id, String group, Map<String, Double> request) {}

    record RunResult(Map<String, String> assignments, Map<String, String> unplaced, long nanos, int leasesRejected) {}

    public static void main(String[] args) throws Exception {
        String file = null;
        Double goodEnough = null;
        int runs = 3;
        int warmup = 0;
        long warmupNanos = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--good-enough" -> goodEnough = Double.parseDouble(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warmup-ms" -> warmupNanos = Long.parseLong(args[++i]) * 1_000_000L;
                default -> {
                    if (args[i].startsWith("--")) throw new IllegalArgumentException("unknown option " + args[i]);
                    file = args[i];
                }
            }
        }
        if (file == null) throw new IllegalArgumentException("usage: FenzoHarness FILE [--good-enough X] [--warmup N] [--warmup-ms T] [--runs N]");

        JsonNode root = MAPPER.readTree(new File(file));
        List<Node> nodes = parseNodes(root.path("nodes"));
        List<Task> tasks = parseTasks(root.path("tasks"));

        RunResult cold = runOnce(nodes, tasks, goodEnough);
        int warmupRuns = 0;
        for (long spent = 0; warmupRuns < warmup || spent < warmupNanos; warmupRuns++) {
            spent += runOnce(nodes, tasks, goodEnough).nanos();
        }
        long[] warm = new long[runs];
        RunResult last = cold;
        boolean isDeterministic = true;
        for (int r = 0; r < runs; r++) {
            last = runOnce(nodes, tasks, goodEnough);
            warm[r] = last.nanos();
            isDeterministic &= last.assignments().equals(cold.assignments());
        }
        long[] sorted = warm.clone();
        Arrays.sort(sorted);
        double millis = runs == 0 ? cold.nanos() / 1e6 : sorted[runs / 2] / 1e6;

        try (JsonGenerator out = MAPPER.getFactory().createGenerator(System.out, JsonEncoding.UTF8)) {
            out.writeStartObject();
            out.writeObjectFieldStart("assignments");
            for (Map.Entry<String, String> e : last.assignments().entrySet()) out.writeStringField(e.getKey(), e.getValue());
            out.writeEndObject();
            out.writeObjectFieldStart("unplaced");
            for (Map.Entry<String, String> e : last.unplaced().entrySet()) out.writeStringField(e.getKey(), e.getValue());
            out.writeEndObject();
            out.writeNumberField("nodesUsed", last.assignments().values().stream().distinct().count());
            out.writeNumberField("millis", millis);
            out.writeNumberField("coldMillis", cold.nanos() / 1e6);
            out.writeNumberField("warmupRuns", warmupRuns);
            out.writeArrayFieldStart("warmMillis");
            for (long n : warm) out.writeNumber(n / 1e6);
            out.writeEndArray();
            out.writeStringField("fenzoVersion", fenzoVersion());
            out.writeStringField("mode", goodEnough == null ? "full-scan (default good-enough f > 1.0)" : "good-enough f >= " + goodEnough);
            out.writeNumberField("scheduleOnceCalls", 1);
            out.writeBooleanField("isSinglePassComplete", isSinglePassComplete(nodes, tasks, goodEnough, last));
            out.writeBooleanField("isDeterministic", isDeterministic);
            out.writeNumberField("leasesRejected", last.leasesRejected());
            out.writeNumberField("availableProcessors", Runtime.getRuntime().availableProcessors());
            out.writeEndObject();
        }
        System.out.println();
        System.out.flush();
        // Fenzo's evaluation thread pool is non-daemon; exit explicitly.
        System.exit(0);
    }

    private static TaskScheduler buildScheduler(Double goodEnough, int[] rejected) {
        TaskScheduler.Builder builder = new TaskScheduler.Builder()
                .withFitnessCalculator(BinPackingFitnessCalculators.cpuMemBinPacker)
                // Leases must outlive the run: an expired lease would silently shrink the cluster mid-benchmark.
                .withLeaseOfferExpirySecs(24 * 3600)
                .withLeaseRejectAction(lease -> rejected[0]++);
        if (goodEnough != null) {
            double threshold = goodEnough;
            builder.withFitnessGoodEnoughFunction(f -> f >= threshold);
        }
        return builder.build();
    }

    private static RunResult runOnce(List<Node> nodes, List<Task> tasks, Double goodEnough) {
        int[] rejected = {0};
        TaskScheduler scheduler = buildScheduler(goodEnough, rejected);
        long offeredAt = System.currentTimeMillis();
        List<VirtualMachineLease> leases = new ArrayList<>(nodes.size());
        for (Node node : nodes) leases.add(new HarnessLease(node, offeredAt));
        List<HarnessTask> requests = new ArrayList<>(tasks.size());
        for (Task task : tasks) requests.add(new HarnessTask(task));

        long start = System.nanoTime();
        SchedulingResult result = scheduler.scheduleOnce(requests, leases);
        long nanos = System.nanoTime() - start;
        scheduler.shutdown();
        if (!result.getExceptions().isEmpty()) {
            throw new IllegalStateException("Fenzo scheduling failed", result.getExceptions().get(0));
        }

        Map<String, String> assignments = new TreeMap<>();
        for (VMAssignmentResult vm : result.getResultMap().values()) {
            for (TaskAssignmentResult a : vm.getTasksAssigned()) assignments.put(a.getTaskId(), vm.getHostname());
        }
        Map<String, String> unplaced = new TreeMap<>();
        for (Map.Entry<TaskRequest, List<TaskAssignmentResult>> e : result.getFailures().entrySet()) {
            unplaced.put(e.getKey().getId(), describeFailure(e.getValue()));
        }
        for (Task task : tasks) {
            if (!assignments.containsKey(task.id()) && !unplaced.containsKey(task.id())) {
                unplaced.put(task.id(), "no decision from Fenzo");
            }
        }
        return new RunResult(assignments, unplaced, nanos, rejected[0]);
    }

    /** Re-offers what is left on every node to a fresh scheduler with only the unplaced tasks; true if it places none. */
    private static boolean isSinglePassComplete(List<Node> nodes, List<Task> tasks, Double goodEnough, RunResult run) {
        if (run.unplaced().isEmpty()) return true;
        Map<String, Map<String, Double>> free = new LinkedHashMap<>();
        for (Node node : nodes) free.put(node.id(), new LinkedHashMap<>(node.capacity()));
        List<Task> left = new ArrayList<>();
        for (Task task : tasks) {
            String nodeId = run.assignments().get(task.id());
            if (nodeId == null) {
                left.add(task);
                continue;
            }
            Map<String, Double> f = free.get(nodeId);
            task.request().forEach((name, amount) -> f.merge(name, -amount, Double::sum));
        }
        List<Node> remaining = new ArrayList<>();
        for (Node node : nodes) remaining.add(new Node(node.id(), free.get(node.id()), node.attributes()));
        return runOnce(remaining, left, goodEnough).assignments().isEmpty();
    }

    private static String describeFailure(List<TaskAssignmentResult> results) {
        Map<String, Integer> shortBy = new TreeMap<>();
        for (TaskAssignmentResult r : results) {
            if (r.getFailures() == null) continue;
            for (AssignmentFailure f : r.getFailures()) shortBy.merge(f.getResource().name(), 1, Integer::sum);
        }
        StringBuilder reason = new StringBuilder("no host fits (hosts short of:");
        shortBy.forEach((name, count) -> reason.append(' ').append(name).append('=').append(count));
        return reason.append(')').toString();
    }

    private static List<Node> parseNodes(JsonNode array) {
        List<Node> nodes = new ArrayList<>(array.size());
        for (JsonNode n : array) {
            Map<String, String> attributes = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.path("attributes").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                attributes.put(e.getKey(), e.getValue().asText());
            }
            nodes.add(new Node(n.get("id").asText(), numbers(n.path("capacity")), attributes));
        }
        return nodes;
    }

    private static List<Task> parseTasks(JsonNode array) {
        List<Task> tasks = new ArrayList<>(array.size());
        for (JsonNode t : array) {
            String id = t.get("id").asText();
            // Gantry constraints have no Fenzo counterpart here; refuse rather than silently drop them.
            if (t.path("constraints").size() > 0) throw new IllegalArgumentException("tasks " + id + ": constraints are not supported by the Fenzo harness");
            tasks.add(new Task(id, t.path("group").asText("default"), numbers(t.path("request"))));
        }
        return tasks;
    }

    private static Map<String, Double> numbers(JsonNode object) {
        Map<String, Double> values = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = object.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            values.put(e.getKey(), e.getValue().asDouble());
        }
        return values;
    }

    private static String fenzoVersion() throws IOException {
        Properties props = new Properties();
        try (InputStream in = FenzoHarness.class.getResourceAsStream("/fenzo-harness.properties")) {
            if (in != null) props.load(in);
        }
        return props.getProperty("fenzo.version", "unknown");
    }
}
