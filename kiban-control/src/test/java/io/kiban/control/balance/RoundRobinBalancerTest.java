package io.kiban.control.balance;

/** The baseline of the cache simulation keeps the balancer contract too. */
class RoundRobinBalancerTest extends BalancerContract {

    @Override
    Balancer balancer() {
        return new RoundRobinBalancer();
    }
}
