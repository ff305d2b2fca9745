package io.kiban.gateway;

import io.kiban.gateway.spi.RequestListener;
import io.kiban.gateway.spi.RequestRecord;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every record it is given. */
final class RecordingListener implements RequestListener {
    private final boolean wantsBodies;
    final List<RequestRecord> records = new CopyOnWriteArrayList<>();

    RecordingListener(boolean wantsBodies) {
        this.wantsBodies = wantsBodies;
    }

    @Override
    public boolean wantsBodies() {
        return wantsBodies;
    }

    @Override
    public void completed(RequestRecord record) {
        records.add(record);
    }

    RequestRecord only() {
        org.assertj.core.api.Assertions.assertThat(records).hasSize(1);
        return records.getFirst();
    }
}
