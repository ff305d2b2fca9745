package io.kiban.store.tenancy;

import static io.kiban.store.testing.Fixtures.T0;
import static io.kiban.store.testing.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.store.StoreException;
import io.kiban.store.testing.TestDatabase;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link UserRepository} and {@link ProjectRepository}, run on H2 and on PostgreSQL. */
public abstract class TenancyRepositoryContract {
    private TestDatabase testDb;
    private UserRepository users;
    private ProjectRepository projects;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
        users = new UserRepository(testDb.database());
        projects = new ProjectRepository(testDb.database());
    }

    @AfterEach
    void close() {
        testDb.close();
    }

    @Test
    void stores_a_user_as_given_and_finds_it_by_id_and_email() {
        var alice = new User("u_alice", "Alice", "alice@example.ac.jp", Role.ADMIN, true,
                Instant.parse("2026-11-01T09:00:00.123456Z"), Instant.parse("2026-11-02T10:00:00Z"));
        users.insert(alice);

        assertThat(users.findById("u_alice")).contains(alice);
        assertThat(users.findByEmail("alice@example.ac.jp")).contains(alice);
        assertThat(users.findById("u_nobody")).isEmpty();
    }

    @Test
    void a_second_user_with_the_same_email_is_a_conflict() {
        users.insert(user("u1"));
        var clash = new User("u2", "Other", "u1@example.ac.jp", Role.USER, true, T0, T0);

        assertThatThrownBy(() -> users.insert(clash))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isConflict()).isTrue());
    }

    @Test
    void updates_role_and_active_flag() {
        users.insert(user("u1"));
        var changed = new User("u1", "Renamed", "u1@example.ac.jp", Role.ADMIN, false, T0, T0.plusSeconds(60));

        assertThat(users.update(changed)).isTrue();
        assertThat(users.findById("u1")).contains(changed);
        assertThat(users.update(user("missing"))).isFalse();
    }

    @Test
    void lists_users_in_pages_by_id() {
        for (String id : new String[] {"u3", "u1", "u5", "u2", "u4"}) {
            users.insert(user(id));
        }

        assertThat(users.list(null, 2)).extracting(User::id).containsExactly("u1", "u2");
        assertThat(users.list("u2", 2)).extracting(User::id).containsExactly("u3", "u4");
        assertThat(users.list("u4", 2)).extracting(User::id).containsExactly("u5");
    }

    @Test
    void projects_have_unique_names_and_members_with_roles() {
        users.insert(user("u1"));
        users.insert(user("u2"));
        var lab = new Project("p_lab", "nlp-lab", "Natural language lab", T0);
        projects.insert(lab);
        projects.insert(new Project("p_course", "ml-101", null, T0));

        assertThatThrownBy(() -> projects.insert(new Project("p_dup", "nlp-lab", null, T0)))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isConflict()).isTrue());
        assertThat(projects.findByName("nlp-lab")).contains(lab);
        assertThat(projects.list()).extracting(Project::name).containsExactly("ml-101", "nlp-lab");

        projects.putMember(new ProjectMember("p_lab", "u1", ProjectRole.MEMBER, T0));
        projects.putMember(new ProjectMember("p_lab", "u1", ProjectRole.MANAGER, T0));
        projects.putMember(new ProjectMember("p_lab", "u2", ProjectRole.MEMBER, T0));
        projects.putMember(new ProjectMember("p_course", "u2", ProjectRole.MEMBER, T0));

        assertThat(projects.members("p_lab")).containsExactly(
                new ProjectMember("p_lab", "u1", ProjectRole.MANAGER, T0),
                new ProjectMember("p_lab", "u2", ProjectRole.MEMBER, T0));
        assertThat(projects.projectsOf("u2")).extracting(Project::id).containsExactly("p_course", "p_lab");
        assertThat(projects.member("p_course", "u1")).isEmpty();

        assertThat(projects.removeMember("p_lab", "u2")).isTrue();
        assertThat(projects.removeMember("p_lab", "u2")).isFalse();
        assertThat(projects.projectsOf("u2")).extracting(Project::id).containsExactly("p_course");
    }
}
