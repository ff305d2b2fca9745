package io.kiban.gguf;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * Unmodifiable lists backed by primitive arrays, so that a numeric metadata array of 150,000 scores costs 8 bytes an
 * element instead of a boxed object each.
 */
final class PrimitiveLists {

    private PrimitiveLists() {
    }

    static List<Long> of(long[] values) {
        return new LongList(values);
    }

    static List<Double> of(double[] values) {
        return new DoubleList(values);
    }

    static List<Boolean> of(boolean[] values) {
        return new BooleanList(values);
    }

    private static final class LongList extends AbstractList<Long> implements RandomAccess {
        private final long[] values;

        LongList(long[] values) {
            this.values = values;
        }

        @Override
        public Long get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return values.length;
        }
    }

    private static final class DoubleList extends AbstractList<Double> implements RandomAccess {
        private final double[] values;

        DoubleList(double[] values) {
            this.values = values;
        }

        @Override
        public Double get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return values.length;
        }
    }

    private static final class BooleanList extends AbstractList<Boolean> implements RandomAccess {
        private final boolean[] values;

        BooleanList(boolean[] values) {
            this.values = values;
        }

        @Override
        public Boolean get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return values.length;
        }
    }
}
