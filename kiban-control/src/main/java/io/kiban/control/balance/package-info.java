/**
 * Rules that pick a replica for each request: {@link io.kiban.control.balance.LeastOutstandingBalancer} and
 * {@link io.kiban.control.balance.PrefixAffinityBalancer} (consistent hashing with bounded load on the prompt's
 * opening), chosen per deployment by {@link io.kiban.control.balance.BalancingPolicy}.
 *
 * <p>How the gateway calls them, per request and per retry:
 *
 * <pre>{@code
 * // candidates: the deployment's ready replicas with the gateway's own in-flight counts, same order each time
 * String id = balancer.choose(candidates, body, triedAlready);
 * if (id == null) hold(request);          // all full or excluded: wait for a slot or a new replica
 * else { inFlight(id).increment(); send(id, body); }   // decrement when the response ends, however it ends
 * }</pre>
 *
 * <p>The balancers keep no per-request state and read no clock; the counts they see are the caller's.
 */
package io.kiban.control.balance;
