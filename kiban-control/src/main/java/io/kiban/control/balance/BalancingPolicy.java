package io.kiban.control.balance;

import java.util.Locale;

/** The balancing rules a deployment can choose, by their configuration names. */
public enum BalancingPolicy {

    /** {@link LeastOutstandingBalancer}: fewest requests in flight. */
    LEAST_OUTSTANDING("least-outstanding"),
    /** {@link PrefixAffinityBalancer}: consistent hashing of the prompt's opening, with bounded load. */
    PREFIX_AFFINITY("prefix-affinity");

    private final String configName;

    BalancingPolicy(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration and the API, e.g. {@code prefix-affinity}. */
    public String configName() {
        return configName;
    }

    /** A new balancer of this kind with default options, for one deployment. */
    public Balancer newBalancer() {
        return switch (this) {
            case LEAST_OUTSTANDING -> new LeastOutstandingBalancer();
            case PREFIX_AFFINITY -> new PrefixAffinityBalancer();
        };
    }

    /**
     * The policy with this configuration name.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static BalancingPolicy parse(String name) {
        for (var p : values()) {
            if (p.configName.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "unknown balancing policy '" + name + "'; use least-outstanding or prefix-affinity");
    }
}
