package dev.gantry.bench;

import com.netflix.fenzo.ConstraintEvaluator;
import com.netflix.fenzo.TaskRequest;
import com.netflix.fenzo.VMTaskFitnessCalculator;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A Gantry task as a Fenzo request: no ports, no constraints, non-standard resources as scalar requests. */
final class HarnessTask implements TaskRequest {
    private final String id;
    private final String group;
    private final double cpu;
    private final double memory;
    private final double disk;
    private final double network;
    private final Map<String, Double> scalars = new HashMap<>();
    private AssignedResources assigned;

    HarnessTask(FenzoHarness.Task task) {
        this.id = task.id();
        this.group = task.group();
        Map<String, Double> r = task.request();
        this.cpu = r.getOrDefault("cpu", 0.0);
        this.memory = r.getOrDefault("memoryMiB", 0.0);
        this.disk = r.getOrDefault("diskMiB", 0.0);
        this.network = r.getOrDefault("networkMbps", 0.0);
        r.forEach((name, amount) -> {
            if (!isNamedByFenzo(name)) scalars.put(name, amount);
        });
    }

    static boolean isNamedByFenzo(String name) {
        return name.equals("cpu") || name.equals("memoryMiB") || name.equals("diskMiB") || name.equals("networkMbps");
    }

    @Override public String getId() { return id; }
    @Override public String taskGroupName() { return group; }
    @Override public double getCPUs() { return cpu; }
    @Override public double getMemory() { return memory; }
    @Override public double getNetworkMbps() { return network; }
    @Override public double getDisk() { return disk; }
    @Override public int getPorts() { return 0; }
    @Override public Map<String, Double> getScalarRequests() { return scalars; }
    @Override public Map<String, NamedResourceSetRequest> getCustomNamedResources() { return Collections.emptyMap(); }
    @Override public List<? extends ConstraintEvaluator> getHardConstraints() { return Collections.emptyList(); }
    @Override public List<? extends VMTaskFitnessCalculator> getSoftConstraints() { return Collections.emptyList(); }
    @Override public void setAssignedResources(AssignedResources assignedResources) { this.assigned = assignedResources; }
    @Override public AssignedResources getAssignedResources() { return assigned; }
}
