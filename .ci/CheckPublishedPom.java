import java.io.File;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Checks that published POMs hold what Maven Central and a consumer need: name,
 * description, URL, the Apache-2.0 licence, SCM and developers; and, for a jar, no
 * parent, no unresolved expression and a version on every dependency, so that it
 * resolves without the reactor's parent. Run by verify-release.sh: {@code java CheckPublishedPom.java POM...}. Exits 1
 * and names each missing item when a POM falls short.
 */
public class CheckPublishedPom {

	public static void main(String[] args) throws Exception {
		List<String> problems = new ArrayList<>();
		for (String path : args) {
			problems.addAll(check(new File(path)));
		}
		problems.forEach((problem) -> System.err.println("release check: " + problem));
		System.exit(problems.isEmpty() ? 0 : 1);
	}

	private static List<String> check(File pom) throws Exception {
		DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
		factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
		Element project = factory.newDocumentBuilder().parse(pom).getDocumentElement();
		List<String> problems = new ArrayList<>();
		String at = pom.getName() + ": ";
		for (String name : List.of("groupId", "artifactId", "version", "name", "description", "url")) {
			if (text(child(project, name)).isEmpty()) {
				problems.add(at + "no <" + name + ">");
			}
		}
		boolean apache = children(child(project, "licenses"), "license").stream()
			.anyMatch((license) -> text(child(license, "name")).equals("Apache License, Version 2.0")
					&& text(child(license, "url")).equals("https://www.apache.org/licenses/LICENSE-2.0.txt"));
		if (!apache) {
			problems.add(at + "no Apache License, Version 2.0 in <licenses>");
		}
		Element scm = child(project, "scm");
		for (String name : List.of("connection", "url")) {
			if (text(child(scm, name)).isEmpty()) {
				problems.add(at + "no <scm><" + name + ">");
			}
		}
		if (children(child(project, "developers"), "developer").stream()
			.noneMatch((developer) -> !text(child(developer, "name")).isEmpty())) {
			problems.add(at + "no <developers><developer><name>");
		}
		if (!"pom".equals(text(child(project, "packaging")))) {
			if (project.getTextContent().contains("${")) {
				problems.add(at + "an unresolved ${...} expression");
			}
			if (child(project, "parent") != null) {
				problems.add(at + "a <parent>: a jar's published POM must resolve without it (is it flattened?)");
			}
			for (Element dependency : children(child(project, "dependencies"), "dependency")) {
				if (text(child(dependency, "version")).isEmpty()) {
					problems.add(at + "no <version> on the dependency " + text(child(dependency, "artifactId")));
				}
			}
		}
		if (problems.isEmpty()) {
			System.out.println("release check: " + at + text(child(project, "artifactId")) + " "
					+ text(child(project, "version")) + " has its name, description, url ("
					+ text(child(project, "url")) + "), licence, scm and developers");
		}
		return problems;
	}

	private static Element child(Element parent, String name) {
		List<Element> found = children(parent, name);
		return found.isEmpty() ? null : found.get(0);
	}

	private static List<Element> children(Element parent, String name) {
		List<Element> found = new ArrayList<>();
		if (parent != null) {
			NodeList nodes = parent.getChildNodes();
			for (int i = 0; i < nodes.getLength(); i++) {
				Node node = nodes.item(i);
				if (node instanceof Element element && name.equals(element.getTagName())) {
					found.add(element);
				}
			}
		}
		return found;
	}

	private static String text(Element element) {
		return (element != null) ? element.getTextContent().trim() : "";
	}

}
