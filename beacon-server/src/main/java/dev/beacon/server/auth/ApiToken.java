package dev.beacon.server.auth;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A read-only API token as it is kept: never the token itself, only its SHA-256.
 *
 * @param id what lists and revocation name it by (not a secret)
 * @param name what the admin called it
 * @param hash SHA-256 of the token, hex
 * @param products the products it may read
 * @param scopes what it may do besides reading the query API: {@code export}, {@code erase}
 * @param created when it was made
 * @param expires when it stops working
 */
public record ApiToken(
    String id,
    String name,
    String hash,
    List<String> products,
    Set<String> scopes,
    Instant created,
    Instant expires) {
  /** Reads the query API (every token may). */
  public static final String READ = "read";

  public static final String EXPORT = "export";
  public static final String ERASE = "erase";

  /** The scopes a token may be given. */
  public static final Set<String> SCOPES = Set.of(EXPORT, ERASE);

  public ApiToken {
    products = List.copyOf(products);
    scopes = Set.copyOf(scopes);
  }

  /**
   * Whether it may do {@code scope} ({@link #READ}, {@link #EXPORT}, {@link #ERASE}) on a product.
   */
  public boolean allows(String product, String scope, Instant now) {
    return now.isBefore(expires)
        && products.contains(product)
        && (READ.equals(scope) || scopes.contains(scope));
  }
}
