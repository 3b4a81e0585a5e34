package dev.beacon.spring;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.springframework.boot.SpringBootVersion;

/**
 * The report's {@code spring} section: the Spring Boot version and the names of the starters on the
 * classpath (never their properties, nor where they are). A starter is a jar whose manifest says
 * {@code Spring-Boot-Jar-Type: dependencies-starter}; its name comes from its module name.
 */
final class SpringSection {
  private static final Attributes.Name JAR_TYPE = new Attributes.Name("Spring-Boot-Jar-Type");
  private static final Attributes.Name MODULE = new Attributes.Name("Automatic-Module-Name");
  private static volatile Map<String, List<String>> jars;

  private SpringSection() {}

  static Map<String, Object> snapshot() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("boot_version", SpringBootVersion.getVersion());
    s.putAll(jars());
    return s;
  }

  /** Read once: the classpath of a running application does not change. */
  private static Map<String, List<String>> jars() {
    Map<String, List<String>> found = jars;
    if (found == null) {
      found = scan(SpringSection.class.getClassLoader());
      jars = found;
    }
    return found;
  }

  /** {@code starters} and {@code modules}, each sorted. */
  static Map<String, List<String>> scan(ClassLoader loader) {
    TreeSet<String> starters = new TreeSet<>();
    TreeSet<String> modules = new TreeSet<>();
    try {
      Enumeration<URL> manifests = loader.getResources("META-INF/MANIFEST.MF");
      for (int n = 0; manifests.hasMoreElements() && n < 2000; n++) {
        try (InputStream in = manifests.nextElement().openStream()) {
          Attributes a = new Manifest(in).getMainAttributes();
          String module = a.getValue(MODULE);
          if (module == null || !module.matches("spring\\.boot\\.[a-z0-9.]{1,100}")) {
            continue;
          }
          boolean starter = "dependencies-starter".equals(a.getValue(JAR_TYPE));
          (starter ? starters : modules).add(module.replace('.', '-'));
        } catch (IOException | RuntimeException unreadable) {
          // one unreadable manifest says nothing about the others
        }
      }
    } catch (IOException e) {
      // no manifest to read: both lists stay empty
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    out.put("starters", new ArrayList<>(starters));
    out.put("modules", new ArrayList<>(modules));
    return out;
  }
}
