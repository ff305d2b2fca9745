package io.kiban.store.deployments;

import static io.kiban.store.testing.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.store.StoreException;
import io.kiban.store.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link DeploymentRepository}, run on H2 and on PostgreSQL. */
public abstract class DeploymentRepositoryContract {
    private TestDatabase testDb;
    private DeploymentRepository repo;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
        repo = new DeploymentRepository(testDb.database());
    }

    @AfterEach
    void close() {
        testDb.close();
    }

    static String spec(int max) {
        return "{\"name\":\"qwen\",\"runtime\":\"builtin\",\"max_replicas\":" + max + ",\"note\":\"" + "x".repeat(20_000) + "\"}";
    }

    @Test
    void stores_a_deployment_as_given_with_revision_one() {
        DeploymentRecord r = repo.insert("qwen", "builtin", "api", spec(3), T0.plusNanos(1_234_567));

        assertThat(r.revision()).isEqualTo(1);
        assertThat(repo.find("qwen")).contains(r);
        assertThat(r.createdAt()).isEqualTo(T0.plusNanos(1_234_000));
        assertThat(repo.find("other")).isEmpty();
    }

    @Test
    void a_second_deployment_with_the_same_name_is_a_conflict() {
        repo.insert("qwen", "builtin", "api", spec(3), T0);

        assertThatThrownBy(() -> repo.insert("qwen", "command", "api", spec(1), T0))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isConflict()).isTrue());
    }

    @Test
    void an_update_replaces_the_spec_and_counts_the_revision() {
        repo.insert("qwen", "builtin", "api", spec(3), T0);

        DeploymentRecord updated = repo.update("qwen", "command", "api", spec(5), T0.plusSeconds(60)).orElseThrow();

        assertThat(updated.revision()).isEqualTo(2);
        assertThat(updated.spec()).isEqualTo(spec(5));
        assertThat(updated.runtime()).isEqualTo("command");
        assertThat(updated.createdAt()).isEqualTo(T0);
        assertThat(updated.updatedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(repo.update("missing", "builtin", "api", spec(1), T0)).isEmpty();
    }

    @Test
    void upsert_inserts_then_replaces() {
        assertThat(repo.upsert("stories", "builtin", "command-line", spec(1), T0).revision()).isEqualTo(1);
        assertThat(repo.upsert("stories", "builtin", "command-line", spec(2), T0).revision()).isEqualTo(2);
        assertThat(repo.find("stories").orElseThrow().spec()).isEqualTo(spec(2));
    }

    @Test
    void lists_by_name_and_deletes() {
        repo.insert("b", "builtin", "api", spec(1), T0);
        repo.insert("a", "external", "command-line", spec(1), T0);
        repo.insert("c", "command", "api", spec(1), T0);

        assertThat(repo.list()).extracting(DeploymentRecord::name).containsExactly("a", "b", "c");
        assertThat(repo.delete("b")).isTrue();
        assertThat(repo.delete("b")).isFalse();
        assertThat(repo.list()).extracting(DeploymentRecord::name).containsExactly("a", "c");
    }

    @Test
    void an_unknown_origin_is_rejected_by_the_schema() {
        assertThatThrownBy(() -> repo.insert("x", "builtin", "somewhere", spec(1), T0)).isInstanceOf(StoreException.class);
    }
}
