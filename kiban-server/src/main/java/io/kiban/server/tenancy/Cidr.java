package io.kiban.server.tenancy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A client network in CIDR notation, IPv4 ({@code 10.0.0.0/8}) or IPv6 ({@code 2001:db8::/32}). A bare address
 * means that one host ({@code /32} or {@code /128}).
 *
 * <p>Parsing is strict and never resolves names: dotted quads without leading zeros, IPv6 literals without a zone,
 * and no host bits set below the prefix ({@code 10.1.2.3/8} is refused, so what is stored is what is meant).
 * IPv4-mapped IPv6 client addresses ({@code ::ffff:10.1.2.3}) are matched as the IPv4 address they carry.
 */
public record Cidr(byte[] network, int prefixLength) {
    private static final Pattern DOTTED_QUAD = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");

    public Cidr {
        network = network.clone();
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    /**
     * Parses {@code ADDRESS[/PREFIX]}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong, for the API to show
     */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("'' is not a network; write one such as 10.0.0.0/8");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 network such as 10.0.0.0/8 or 2001:db8::/32");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("'" + text + "' has an invalid prefix length; use 0 to " + bits);
            }
            prefix = Integer.parseInt(p);
        }
        for (int i = prefix; i < bits; i++) {
            if ((bytes[i / 8] & (0x80 >>> (i % 8))) != 0) {
                throw new IllegalArgumentException("'" + text + "' has host bits set; did you mean "
                        + new Cidr(mask(bytes, prefix), prefix) + "?");
            }
        }
        return new Cidr(bytes, prefix);
    }

    /** Parses a client address as servlet containers report it; null when it is not an IP literal. */
    public static byte[] clientAddress(String ip) {
        if (ip == null || ip.isEmpty()) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(ip).getAddress(); // IPv4-mapped IPv6 comes back as Inet4Address
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether the address (from {@link #clientAddress}) lies in this network. */
    public boolean contains(byte[] address) {
        if (address == null || address.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(address, prefixLength), network);
    }

    /** Whether every address of {@code other} lies in this network. */
    public boolean covers(Cidr other) {
        return other.network.length == network.length && other.prefixLength >= prefixLength && contains(other.network);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    /** The canonical text, as stored: {@code 10.0.0.0/8}, {@code 2001:db8::/32} (RFC 5952 for IPv6). */
    @Override
    public String toString() {
        return (network.length == 4 ? ipv4(network) : ipv6(network)) + "/" + prefixLength;
    }

    private static String ipv4(byte[] a) {
        return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }

    /** Lower-case hex groups, the longest run of two or more zero groups (the first of equals) written as "::". */
    private static String ipv6(byte[] a) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        var sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static byte[] literal(String address) {
        if (address.indexOf(':') >= 0) {
            if (address.indexOf('%') >= 0) {
                return null; // zones name local interfaces; they mean nothing in a policy
            }
        } else if (!DOTTED_QUAD.matcher(address).matches()) {
            return null;
        }
        try {
            InetAddress a = InetAddress.ofLiteral(address);
            if (address.indexOf(':') >= 0 && a instanceof Inet4Address) {
                return null; // ::ffff:a.b.c.d in a policy is ambiguous; write a.b.c.d
            }
            return a.getAddress();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length * 8; i++) {
            if (i >= prefix) {
                out[i / 8] &= (byte) ~(0x80 >>> (i % 8));
            }
        }
        return out;
    }
}
