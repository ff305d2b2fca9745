package io.kiban.server.history;

import io.kiban.gateway.spi.RequestListener;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.recorder.Recorder;

/**
 * Records every request the gateway finished: its history row (request, response, times, tokens; no bodies for
 * metadata-only keys) and, through it, its usage; with {@code --history off}, only the usage. Runs on the request
 * thread after the response was sent and only enqueues ({@link Recorder#submit} is a queue offer).
 */
public final class HistoryListener implements RequestListener {
    private static final System.Logger LOG = System.getLogger(HistoryListener.class.getName());

    private final Recorder recorder;
    private final boolean history;

    /** @param history false for {@code --history off}: usage only */
    public HistoryListener(Recorder recorder, boolean history) {
        this.recorder = recorder;
        this.history = history;
    }

    @Override
    public boolean wantsBodies() {
        return history;
    }

    @Override
    public void completed(RequestRecord r) {
        if (!history) {
            recorder.submit(HistoryRecords.usage(r));
            return;
        }
        HistoryRecord record;
        try {
            record = HistoryRecords.of(r);
        } catch (RuntimeException e) { // never lose the usage because a history field was odd
            LOG.log(System.Logger.Level.ERROR, "request " + r.requestId() + " could not be made a history record; "
                    + "recording its usage only", e);
            recorder.submit(HistoryRecords.usage(r));
            return;
        }
        recorder.submit(r.principal().metadataOnly() ? record.withoutBodies() : record);
    }
}
