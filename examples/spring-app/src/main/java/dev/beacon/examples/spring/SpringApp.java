package dev.beacon.examples.spring;

import dev.beacon.sdk.Beacon;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A small order service with the Beacon starter: its report carries two of its own meters (orders
 * placed, pricing time) and the HTTP server's, as {@code application.properties} allows, and a
 * custom event per order. {@code /actuator/telemetry} shows and switches telemetry.
 */
@SpringBootApplication
public class SpringApp {
  public static void main(String[] args) {
    SpringApplication.run(SpringApp.class, args);
  }

  @RestController
  static class Orders {
    private final Map<Long, String> orders = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final MeterRegistry meters;
    private final Timer pricing;
    private final Beacon beacon;

    Orders(MeterRegistry meters, Beacon beacon) {
      this.meters = meters;
      this.pricing = meters.timer("shop.orders.pricing");
      this.beacon = beacon;
    }

    @PostMapping("/orders")
    ResponseEntity<String> place(@RequestBody String item) {
      long id = ids.incrementAndGet();
      String price = pricing.record(() -> item.length() < 20 ? "small" : "large");
      orders.put(id, item);
      // The item tag is not on beacon.meters.tags: its values never leave the service.
      Counter.builder("shop.orders.placed").tag("item", item).register(meters).increment();
      beacon.track("order_placed", Map.of("size_class", price));
      return ResponseEntity.status(201).body(id + "\n");
    }

    @GetMapping("/orders/{id}")
    ResponseEntity<String> get(@PathVariable long id) {
      String item = orders.get(id);
      return item == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(item + "\n");
    }
  }
}
