package io.kiban.server.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest(name = "{0} is stored as {1}")
    @CsvSource({
        "10.0.0.0/8, 10.0.0.0/8",
        "192.168.1.7, 192.168.1.7/32",
        "0.0.0.0/0, 0.0.0.0/0",
        "2001:DB8::/32, 2001:db8::/32",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1/128",
        "::1, ::1/128",
        "::/0, ::/0",
        "fe80::/10, fe80::/10",
        "' 10.1.0.0/16 ', 10.1.0.0/16",
    })
    void valid_networks_are_stored_in_canonical_form(String text, String canonical) {
        assertThat(Cidr.parse(text)).hasToString(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.0/33", "10.0.0/8", "1.2.3", "010.0.0.0/8", "10.0.0.256", "example.com/8",
        "10.0.0.0/-1", "10.0.0.0/8/8", "::ffff:10.0.0.0/104", "fe80::1%eth0", "2001:db8::/129", "10.1.2.3/8"})
    void invalid_networks_are_refused_with_a_reason(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'");
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.0.0.0/8, 10.255.1.2, true",
        "10.0.0.0/8, 11.0.0.1, false",
        "10.0.0.0/8, 127.0.0.1, false",
        "127.0.0.0/8, 127.0.0.1, true",
        "10.0.0.0/8, ::ffff:10.1.2.3, true",
        "::1/128, 0:0:0:0:0:0:0:1, true",
        "::1/128, 127.0.0.1, false",
        "2001:db8::/32, 2001:db8:ffff::1, true",
        "2001:db8::/32, 2001:db9::1, false",
        "0.0.0.0/0, 8.8.8.8, true",
        "0.0.0.0/0, ::1, false",
        "192.168.1.7, 192.168.1.7, true",
        "10.0.0.0/8, not-an-address, false",
    })
    void a_network_contains_the_addresses_under_its_prefix(String cidr, String address, boolean contained) {
        assertThat(Cidr.parse(cidr).contains(Cidr.clientAddress(address))).isEqualTo(contained);
    }

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
        "10.0.0.0/8, 10.1.0.0/16, true",
        "10.1.0.0/16, 10.0.0.0/8, false",
        "10.0.0.0/8, 10.0.0.0/8, true",
        "10.0.0.0/8, 11.0.0.0/16, false",
        "::/0, 2001:db8::/32, true",
        "0.0.0.0/0, ::/0, false",
    })
    void a_network_covers_narrower_networks_inside_it(String outer, String inner, boolean covers) {
        assertThat(Cidr.parse(outer).covers(Cidr.parse(inner))).isEqualTo(covers);
    }

    @org.junit.jupiter.api.Test
    void no_networks_allow_any_address_and_a_broken_stored_list_allows_none() {
        assertThat(Networks.ofStored(List.of()).allows("203.0.113.9")).isTrue();
        assertThat(Networks.ofStored(List.of("garbage")).allows("203.0.113.9")).isFalse();
        assertThat(Networks.ofStored(List.of("garbage", "203.0.113.0/24")).allows("203.0.113.9")).isTrue();
        assertThat(Networks.ofStored(List.of("10.0.0.0/8")).allows(null)).isFalse();
    }
}
