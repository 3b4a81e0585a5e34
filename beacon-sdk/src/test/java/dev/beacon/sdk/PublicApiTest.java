package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.internal.report.Event;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The root package is the public API alone, and speaks only of itself and the JDK: no type of an
 * internal package appears in a public or protected signature of it, so a product can never come to
 * depend on one through the API.
 */
class PublicApiTest {
  private static final Set<String> API =
      Set.of(
          "Beacon",
          "BeaconBuilder",
          "BeaconMXBean",
          "CommandOption",
          "CommandRun",
          "ConsentStatus",
          "DeliveryStatus",
          "DeliveryStatus$LastOutcome",
          "ReportSection",
          "SendResult",
          "SendResult$Outcome",
          "Source",
          "SourceAgent",
          "SourceAgent$Builder",
          "TelemetryControl",
          "TelemetryMode",
          "UiRelay");

  /** Every class compiled into the root package, nested ones too (not its sub-packages). */
  private static List<Class<?>> rootPackageClasses() throws Exception {
    Path dir = classesDirectory().resolve("dev/beacon/sdk");
    List<Class<?>> classes = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
        String name = f.getFileName().toString().replace(".class", "");
        if (!name.equals("package-info")) {
          classes.add(
              Class.forName("dev.beacon.sdk." + name, false, Beacon.class.getClassLoader()));
        }
      }
    }
    return classes;
  }

  private static Path classesDirectory() throws URISyntaxException {
    return Path.of(Beacon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  @Test
  void theRootPackageHoldsThePublicApiAndNothingElse() throws Exception {
    Set<String> visible = new TreeSet<>();
    Set<String> hidden = new TreeSet<>();
    for (Class<?> c : rootPackageClasses()) {
      String name = c.getName().substring("dev.beacon.sdk.".length());
      if (c.isAnonymousClass() || c.isSynthetic() || c.isLocalClass()) {
        continue; // an implementation detail of a public class's code
      }
      (isApi(c) ? visible : hidden).add(name);
    }
    assertThat(visible)
        .as("public types of dev.beacon.sdk")
        .containsExactlyInAnyOrderElementsOf(API);
    assertThat(hidden).as("non-public types in dev.beacon.sdk (they belong in internal)").isEmpty();
  }

  @Test
  void noPublicSignatureOfTheRootPackageNamesAnInternalType() throws Exception {
    List<String> leaks = new ArrayList<>();
    List<Class<?>> api = new ArrayList<>();
    for (Class<?> c : rootPackageClasses()) {
      if (isApi(c)) {
        api.add(c);
      }
    }
    assertThat(api).hasSizeGreaterThanOrEqualTo(API.size());
    for (Class<?> c : api) {
      check(leaks, c + " extends", c.getGenericSuperclass());
      for (Type t : c.getGenericInterfaces()) {
        check(leaks, c + " implements", t);
      }
      for (Field f : c.getDeclaredFields()) {
        if (visible(f.getModifiers())) {
          check(leaks, f.toGenericString(), f.getGenericType());
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (visible(k.getModifiers())) {
          for (Type t : k.getGenericParameterTypes()) {
            check(leaks, k.toGenericString(), t);
          }
          for (Type t : k.getGenericExceptionTypes()) {
            check(leaks, k.toGenericString(), t);
          }
        }
      }
      for (Method m : c.getDeclaredMethods()) {
        if (visible(m.getModifiers()) && !m.isSynthetic()) {
          check(leaks, m.toGenericString(), m.getGenericReturnType());
          for (Type t : m.getGenericParameterTypes()) {
            check(leaks, m.toGenericString(), t);
          }
          for (Type t : m.getGenericExceptionTypes()) {
            check(leaks, m.toGenericString(), t);
          }
          for (TypeVariable<Method> v : m.getTypeParameters()) {
            for (Type b : v.getBounds()) {
              check(leaks, m.toGenericString(), b);
            }
          }
        }
      }
    }
    assertThat(leaks).as("internal types in the public API").isEmpty();
  }

  @Test
  void theCheckSeesAnInternalTypeInsideAGenericSignature() throws Exception {
    List<String> leaks = new ArrayList<>();
    Method m = Leaky.class.getDeclaredMethod("leak");
    check(leaks, m.toGenericString(), m.getGenericReturnType());
    assertThat(leaks).hasSize(1).first().asString().contains("internal.report.Event");
  }

  /** A signature that would leak, to prove the check sees through generics. */
  private interface Leaky {
    @SuppressWarnings("UnusedMethod") // read by reflection: its signature is the test's input
    Map<String, ? extends List<Event[]>> leak();
  }

  private static boolean isApi(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      if (!Modifier.isPublic(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void check(List<String> leaks, String where, Type type) {
    for (Class<?> c : classesIn(type, new ArrayList<>())) {
      if (c.getName().startsWith("dev.beacon.sdk.internal.")) {
        leaks.add(where + ": " + c.getName());
      }
    }
  }

  private static List<Class<?>> classesIn(Type t, List<Class<?>> out) {
    if (t instanceof Class) {
      Class<?> c = (Class<?>) t;
      out.add(c.isArray() ? c.getComponentType() : c);
    } else if (t instanceof ParameterizedType p) {

      classesIn(p.getRawType(), out);
      for (Type a : p.getActualTypeArguments()) {
        classesIn(a, out);
      }
    } else if (t instanceof WildcardType wildcardType) {
      for (Type b : wildcardType.getUpperBounds()) {
        classesIn(b, out);
      }
      for (Type b : wildcardType.getLowerBounds()) {
        classesIn(b, out);
      }
    } else if (t instanceof GenericArrayType genericArrayType) {
      classesIn(genericArrayType.getGenericComponentType(), out);
    }
    return out;
  }
}
