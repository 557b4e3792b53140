package dev.gantry.bench;

import com.netflix.fenzo.VirtualMachineLease;
import org.apache.mesos.Protos;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One whole node offered to Fenzo as a single lease; Gantry resource names map onto Fenzo's, the rest are scalars. */
final class HarnessLease implements VirtualMachineLease {
    private final String nodeId;
    private final long offeredAt;
    private final double cpu;
    private final double memory;
    private final double disk;
    private final double network;
    private final Map<String, Double> scalars = new HashMap<>();
    private final Map<String, Protos.Attribute> attributes = new HashMap<>();

    HarnessLease(FenzoHarness.Node node, long offeredAt) {
        this.nodeId = node.id();
        this.offeredAt = offeredAt;
        Map<String, Double> c = node.capacity();
        this.cpu = c.getOrDefault("cpu", 0.0);
        this.memory = c.getOrDefault("memoryMiB", 0.0);
        this.disk = c.getOrDefault("diskMiB", 0.0);
        this.network = c.getOrDefault("networkMbps", 0.0);
        c.forEach((name, amount) -> {
            if (!HarnessTask.isNamedByFenzo(name)) scalars.put(name, amount);
        });
        node.attributes().forEach((name, value) -> attributes.put(name, Protos.Attribute.newBuilder()
                .setName(name)
                .setType(Protos.Value.Type.TEXT)
                .setText(Protos.Value.Text.newBuilder().setValue(value))
                .build()));
    }

    @Override public String getId() { return "lease-" + nodeId; }
    @Override public long getOfferedTime() { return offeredAt; }
    @Override public String hostname() { return nodeId; }
    @Override public String getVMID() { return nodeId; }
    @Override public double cpuCores() { return cpu; }
    @Override public double memoryMB() { return memory; }
    @Override public double networkMbps() { return network; }
    @Override public double diskMB() { return disk; }
    @Override public List<Range> portRanges() { return Collections.emptyList(); }
    @Override public Protos.Offer getOffer() { return null; }
    @Override public Map<String, Protos.Attribute> getAttributeMap() { return attributes; }
    @Override public Double getScalarValue(String name) { return scalars.get(name); }
    @Override public Map<String, Double> getScalarValues() { return scalars; }
}
