package io.kiban.store.recorder;

import io.kiban.store.testing.H2TestDatabase;
import io.kiban.store.testing.TestDatabase;
import java.time.Duration;

/** H2 runs inside the test JVM, so its outage is simulated with the {@link #failing} data source. */
class H2RecorderIT extends RecorderContract {
    @Override
    protected TestDatabase newDatabase() {
        return H2TestDatabase.fresh();
    }

    @Override
    protected Duration outageLength() {
        return Duration.ofSeconds(3);
    }

    @Override
    protected void outage(boolean down) {
        failing.down(down);
    }
}
