package io.kiban.server.tenancy;

import java.util.List;

/**
 * The client networks a key may be used from, parsed once per key state so that a request costs one address
 * parse and a few byte comparisons. No networks means any address.
 */
public record Networks(List<Cidr> cidrs) {
    public static final Networks ANY = new Networks(List.of());

    public Networks {
        cidrs = List.copyOf(cidrs);
    }

    /**
     * The networks of a stored key. Entries were validated when the key was saved; one that no longer parses
     * (written by hand into the database) matches nothing, so a broken policy fails closed.
     */
    public static Networks ofStored(List<String> texts) {
        if (texts.isEmpty()) {
            return ANY;
        }
        var parsed = new java.util.ArrayList<Cidr>();
        for (String t : texts) {
            try {
                parsed.add(Cidr.parse(t));
            } catch (IllegalArgumentException e) {
                // skipped: fails closed because the list is not empty
            }
        }
        return parsed.isEmpty() ? new Networks(List.of(new Cidr(new byte[16], 128))) : new Networks(parsed);
    }

    public boolean isAny() {
        return cidrs.isEmpty();
    }

    /** Whether a request from this client address may use the key. */
    public boolean allows(String clientIp) {
        if (cidrs.isEmpty()) {
            return true;
        }
        byte[] address = Cidr.clientAddress(clientIp);
        for (Cidr c : cidrs) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every address allowed here is allowed by {@code outer} too. */
    public boolean within(Networks outer) {
        if (outer.isAny()) {
            return true;
        }
        if (isAny()) {
            return false;
        }
        return cidrs.stream().allMatch(c -> outer.cidrs.stream().anyMatch(o -> o.covers(c)));
    }
}
