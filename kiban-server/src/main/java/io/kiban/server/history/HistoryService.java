package io.kiban.server.history;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.Ids;
import io.kiban.store.audit.AuditAction;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.history.HistoryFilter;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryPage;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.history.HistoryStatus;
import io.kiban.store.history.SortOrder;
import io.kiban.store.recorder.Recorder;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The logic behind the history routes. Every method takes the owner's user id and passes it to the repository,
 * so a record of another user and a record that does not exist give the same 404. Reads of another user's history
 * by an administrator write an audit event first.
 */
public final class HistoryService {
    private final HistoryRepository history;
    private final Recorder recorder;
    private final Clock clock;

    public HistoryService(HistoryRepository history, Recorder recorder, Clock clock) {
        this.history = history;
        this.recorder = recorder;
        this.clock = clock;
    }

    public HistoryPage list(String userId, HistoryFilter filter, String after, int limit, SortOrder order) {
        return history.list(userId, filter, after, limit, order);
    }

    /** One of the owner's records, or a 404 that does not say whether it exists for someone else. */
    public HistoryRecord get(String userId, String id) {
        return history.find(userId, id).orElseThrow(() -> notFound(id));
    }

    /** One of the owner's chat completions that finished; 404 for anything else (OpenAI stores only those). */
    public HistoryRecord storedCompletion(String userId, String id) {
        HistoryRecord r = get(userId, id);
        if (r.kind() != HistoryKind.CHAT || r.status() != HistoryStatus.COMPLETED) {
            throw notFound(id);
        }
        return r;
    }

    public void delete(String userId, String id) {
        if (!history.delete(userId, id)) {
            throw notFound(id);
        }
    }

    public void deleteStoredCompletion(String userId, String id) {
        storedCompletion(userId, id);
        delete(userId, id);
    }

    public long export(String userId, HistoryFilter filter, SortOrder order, Consumer<HistoryRecord> sink) {
        return history.export(userId, filter, order, sink);
    }

    /** Writes the audit event of an administrator reading another user's history (through the Recorder). */
    public void auditAdminRead(Principal admin, String userId, String clientIp, String what, String detail) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("route", what);
        if (detail != null) {
            d.put("detail", detail.length() > 500 ? detail.substring(0, 500) : detail);
        }
        recorder.submit(new AuditEvent(Ids.next("aud_"), clock.instant(), admin.userId(),
                AuditAction.HISTORY_READ_BY_ADMIN, "user", userId, clientIp, d));
    }

    static ApiException notFound(String id) {
        String shown = id.length() > 80 ? id.substring(0, 80) + "…" : id;
        return new ApiException(new ApiError.NotFound("No record with id '" + shown + "' was found.", "id",
                "not_found"));
    }
}
