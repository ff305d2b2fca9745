package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class RequestScanTest {
    /** Parses exactly: duplicate names fail, and decimals keep every digit. */
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ApiError refusal(String body) {
        return refusal(utf8(body));
    }

    private static ApiError refusal(byte[] body) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> RequestScan.of(body));
        assertThat(e).as("ApiException for %s", new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8)).isNotNull();
        return e.error();
    }

    /** The body upstream must get: the client's body with stream_options.include_usage = true, nothing else changed. */
    private static void assertUsageInjected(String body) {
        byte[] out = RequestScan.of(utf8(body)).upstreamBody(utf8(body));

        ObjectNode expected = (ObjectNode) STRICT.readTree(body);
        JsonNode options = expected.get("stream_options");
        (options instanceof ObjectNode o ? o : expected.putObject("stream_options")).put("include_usage", true);
        assertThat(STRICT.readTree(out)).as(new String(out, StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @Test
    void reads_model_stream_and_stream_options() {
        assertThat(RequestScan.of(utf8("{\"model\":\"qwen3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")))
                .isEqualTo(new RequestScan("qwen3", false, false, false, -1, 1, java.util.Map.of()));
        assertThat(RequestScan.of(utf8("{\"stream\":true,\"model\":\"m\",\"stream_options\":{\"include_usage\":true}}")))
                .isEqualTo(new RequestScan("m", true, true, true, -1, 1, java.util.Map.of()));
        assertThat(RequestScan.of(utf8("{\"model\":\"m\",\"stream\":null,\"stream_options\":{\"x\":[1,{\"include_usage\":true}],\"include_usage\":false}}")))
                .isEqualTo(new RequestScan("m", false, false, true, -1, 1, java.util.Map.of()));
        assertThat(RequestScan.of(utf8(" \r\n\t{ \"model\" : \"ünïcödé/モデル\" , \"stream\" : false } \n")).model())
                .isEqualTo("ünïcödé/モデル");
    }

    @Test
    void a_body_that_needs_nothing_is_sent_upstream_unchanged() {
        for (String body : List.of("{\"model\":\"m\"}", "{\"model\":\"m\",\"stream\":false}",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}")) {
            byte[] bytes = utf8(body);
            RequestScan scan = RequestScan.of(bytes);

            assertThat(scan.upstreamBody(bytes)).as(body).isSameAs(bytes);
            assertThat(scan.stripUsage()).as(body).isFalse();
        }
    }

    @Test
    void a_stream_without_usage_asks_upstream_for_usage_and_withholds_it_from_the_client() {
        assertThat(RequestScan.of(utf8("{\"model\":\"m\",\"stream\":true}")).stripUsage()).isTrue();
        assertThat(RequestScan.of(utf8("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":false}}")).stripUsage()).isTrue();

        for (String body : List.of(
                "{\"model\":\"m\",\"stream\":true}",
                "{\"stream\":true,\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"} ] {\"}]}",
                "{ \"model\" : \"m\" , \"stream\" : true }",
                "{\n  \"model\": \"m\",\n  \"stream\": true\n}\n",
                "{\r\n\t\"model\":\"m\",\r\n\t\"stream\":true\r\n}\r\n\r\n",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{}}",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{ }}",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":false,\"continuous_usage_stats\":true}}",
                "{\"model\":\"m\",\"stream_options\":{\"include_usage\":null},\"stream\":true,\"n\":2}",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":null}")) {
            assertUsageInjected(body);
        }
    }

    @Test
    void rewriting_stream_options_keeps_every_digit_of_every_number() {
        assertUsageInjected("{\"model\":\"m\",\"stream\":true,\"stream_options\":{},\"temperature\":0.1,"
                + "\"top_p\":0.90000000000000000000001,\"seed\":123456789012345678901234567890,\"x\":1e400,\"y\":-0.0,\"z\":1.10}");
        byte[] body = utf8("{\"model\":\"m\",\"stream\":true,\"stream_options\":{},\"z\":1.10,\"x\":1e400}");
        assertThat(new String(RequestScan.of(body).upstreamBody(body), StandardCharsets.UTF_8)).contains("\"z\":1.10", "\"x\":1E+400");
    }

    @Test
    void malformed_json_is_a_400_that_says_where() {
        ApiError e = refusal("{\"model\":\"m\",\n\"messages\": [}");

        assertThat(ApiError.status(e)).isEqualTo(400);
        assertThat(e.code()).isEqualTo("invalid_json");
        assertThat(e.message()).contains("line 2, column");
    }

    @Test
    void a_missing_or_empty_model_is_a_400_naming_model() {
        for (String body : List.of("{}", "{\"messages\":[]}", "{\"model\":\"\"}", "{\"model\":null}")) {
            ApiError e = refusal(body);

            assertThat(ApiError.status(e)).as(body).isEqualTo(400);
            assertThat(e.param()).as(body).isEqualTo("model");
        }
        assertThat(refusal("{\"model\":7}").code()).isEqualTo("invalid_value");
        assertThat(refusal("{\"model\":\"\"}").code()).isEqualTo("missing_required_parameter");
    }

    @Test
    void stream_and_stream_options_of_the_wrong_type_are_400s_naming_them() {
        assertThat(refusal("{\"model\":\"m\",\"stream\":\"true\"}").param()).isEqualTo("stream");
        assertThat(refusal("{\"model\":\"m\",\"stream\":1}").param()).isEqualTo("stream");
        assertThat(refusal("{\"model\":\"m\",\"stream_options\":true}").param()).isEqualTo("stream_options");
        assertThat(refusal("{\"model\":\"m\",\"stream_options\":[]}").param()).isEqualTo("stream_options");
    }

    @Test
    void bodies_that_are_not_one_json_object_are_400s() {
        for (String body : List.of("[]", "\"model\"", "42", "null", " ", "{\"model\":\"m\"} x", "{\"model\":\"m\"}{}",
                "{\"model\":\"m\"}]", "{\"model\":\"m\"", "{'model':'m'}", "{\"model\":\"m\",}")) {
            ApiError e = refusal(body);

            assertThat(ApiError.status(e)).as(body).isEqualTo(400);
            assertThat(e.code()).as(body).isEqualTo("invalid_json");
        }
    }

    @Test
    void the_same_field_twice_is_refused_so_the_gateway_and_the_runtime_cannot_disagree() {
        // Parsers differ on duplicates (first or last wins): the gateway could check the ACL of one model while the
        // runtime serves the other, or skip metering a stream the runtime streams.
        for (String body : List.of("{\"model\":\"allowed\",\"model\":\"secret\"}",
                "{\"model\":\"m\",\"stream\":false,\"stream\":true}",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"stream_options\":{}}")) {
            ApiError e = refusal(body);

            assertThat(ApiError.status(e)).as(body).isEqualTo(400);
        }
    }

    @Test
    void nesting_100_000_deep_is_a_400_not_a_stack_overflow() {
        int depth = 100_000;
        String arrays = "[".repeat(depth) + "]".repeat(depth);
        String objects = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        for (String body : List.of(arrays, "{\"model\":\"m\",\"messages\":" + arrays + "}",
                "{\"model\":\"m\",\"tools\":" + objects + "}",
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":" + objects + "}",
                "{\"model\":\"m\",\"messages\":" + "[".repeat(depth))) {
            ApiError e = refusal(body);

            assertThat(ApiError.status(e)).isEqualTo(400);
            assertThat(e.code()).isEqualTo("invalid_json");
            assertThat(e.message()).hasSizeLessThan(600);
        }
    }

    @Test
    void nesting_within_the_limit_is_accepted() {
        String body = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{},\"messages\":" + "[".repeat(400) + "]".repeat(400) + "}";

        RequestScan scan = RequestScan.of(utf8(body));

        assertThat(scan.model()).isEqualTo("m");
        assertUsageInjected(body);
    }

    @Test
    void the_json_of_the_usage_request_is_parsed_with_the_same_limits_everywhere() {
        String body = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{},\"s\":\"" + "x".repeat(1_000_000) + "\"}";

        assertUsageInjected(body);
    }

    @Test
    void a_body_in_utf_16_or_utf_32_is_refused_rather_than_corrupted_by_the_usage_injection() throws Exception {
        // Jackson detects UTF-16/32 by itself, but the injection works on UTF-8 bytes (RFC 8259: UTF-8 only).
        String body = "{\"model\":\"m\",\"stream\":true}";
        for (String charset : List.of("UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE")) {
            ApiError e = refusal(body.getBytes(charset));

            assertThat(ApiError.status(e)).as(charset).isEqualTo(400);
            assertThat(e.message()).as(charset).contains("UTF-8");
        }
        byte[] withBom = ("\uFEFF" + body).getBytes(StandardCharsets.UTF_8);
        assertThat(STRICT.readTree(RequestScan.of(withBom).upstreamBody(withBom)).get("stream_options").get("include_usage").asBoolean())
                .isTrue();
    }
}
