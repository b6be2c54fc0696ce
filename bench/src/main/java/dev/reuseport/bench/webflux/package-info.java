/**
 * The WebFlux application benchmarked as servers A, B and B0.
 */
@NullMarked
package dev.reuseport.bench.webflux;

import org.jspecify.annotations.NullMarked;
