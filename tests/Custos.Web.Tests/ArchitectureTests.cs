using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Custos.Web.Tests;

/// The dependency direction of ARCHITECTURE.md: Domain ← Data ← ControlPlane, DataPlane ← Web, and
/// the two planes never reference each other. Checked on the project files (what is declared) and
/// on the built assemblies (what the compiler actually bound to).
public sealed partial class ArchitectureTests
{
    private const string Domain = "Custos.Domain";
    private const string Data = "Custos.Data";
    private const string ControlPlane = "Custos.ControlPlane";
    private const string DataPlane = "Custos.DataPlane";
    private const string Web = "Custos.Web";

    /// Every project under src/ and the projects it may reference directly. A new project needs a
    /// line here, which is the moment to decide where it sits.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        [Domain] = [],
        [Data] = [Domain],
        [ControlPlane] = [Data],
        [DataPlane] = [Data],
        [Web] = [ControlPlane, DataPlane],
    };

    private static readonly string Root = RepositoryRoot();

    [Fact]
    public void SourceProjects_AreExactlyTheKnownLayers() =>
        Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)
            .ShouldBe(Allowed.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Domain_ReferencesNoProjectAndNoPackage()
    {
        var domain = ProjectFile.Read(Domain);

        domain.Projects.ShouldBeEmpty();
        domain.Packages.ShouldBeEmpty();
        domain.Frameworks.ShouldBeEmpty();
        ReferencedAssemblies(typeof(Custos.Domain.Partners.Partner).Assembly)
            .ShouldAllBe(name => name == "netstandard" || name == "mscorlib" || name == "System" || name.StartsWith("System.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Data)]
    [InlineData(ControlPlane)]
    [InlineData(DataPlane)]
    [InlineData(Web)]
    public void Project_ReferencesOnlyTheLayersBelowIt(string project) =>
        ProjectFile.Read(project).Projects.Order(StringComparer.Ordinal).ShouldBe(Allowed[project].Order(StringComparer.Ordinal));

    [Theory]
    [InlineData(ControlPlane, DataPlane)]
    [InlineData(DataPlane, ControlPlane)]
    public void Plane_ReachesDataAndDomain_ButNeverTheOtherPlane(string plane, string other)
    {
        var reachable = Closure(plane);

        reachable.ShouldContain(Data);
        reachable.ShouldContain(Domain);
        reachable.ShouldNotContain(other);
        reachable.ShouldNotContain(Web);
        CustosAssemblies(Assembly.Load(plane)).ShouldNotContain(other);
        CustosAssemblies(Assembly.Load(plane)).ShouldNotContain(Web);
    }

    [Fact]
    public void Data_BindsOnlyToDomain() =>
        CustosAssemblies(typeof(Custos.Data.AppDbContext).Assembly).ShouldBe([Domain]);

    [Fact]
    public void Web_ReachesBothPlanes() =>
        Closure(Web).Order(StringComparer.Ordinal).ShouldBe([ControlPlane, Data, DataPlane, Domain]);

    [Fact]
    public void Source_OutsideMigrations_NeverReadsTheSystemClock()
    {
        var src = Path.Combine(Root, "src");
        var offenders =
            from file in Directory.EnumerateFiles(src, "*.*", SearchOption.AllDirectories)
            where file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".razor", StringComparison.Ordinal)
            let relative = Path.GetRelativePath(Root, file).Replace('\\', '/')
            where !relative.Split('/').Any(part => part is "bin" or "obj" or "Migrations")
            from line in File.ReadLines(file).Select((text, index) => (text, number: index + 1))
            where ReadsSystemClock(line.text)
            select $"{relative}:{line.number}: {line.text.Trim()}";

        offenders.ToList().ShouldBeEmpty("Inject TimeProvider and call GetUtcNow() instead");
    }

    [Theory]
    [InlineData("var now = DateTime.UtcNow;", true)]
    [InlineData("var now = DateTime.Now;", true)]
    [InlineData("if (x < DateTime.Today) return;", true)]
    [InlineData("Stamp(DateTimeOffset.UtcNow);", true)]
    [InlineData("Stamp(System.DateTimeOffset.Now);", true)]
    [InlineData("var now = clock.GetUtcNow();", false)]
    [InlineData("var d = DateTimeOffset.UnixEpoch;", false)]
    [InlineData("// never DateTime.UtcNow: the clock is injected", false)]
    public void ReadsSystemClock_RecognizesTheBannedCalls(string line, bool expected) =>
        ReadsSystemClock(line).ShouldBe(expected);

    /// A line of code (comments aside) that reads the system clock.
    private static bool ReadsSystemClock(string line) => SystemClock().IsMatch(LineComment().Replace(line, ""));

    [GeneratedRegex(@"\bDateTime(?:Offset)?\s*\.\s*(?:UtcNow|Now|Today)\b")]
    private static partial Regex SystemClock();

    [GeneratedRegex(@"(?:^|\s)//.*$")]
    private static partial Regex LineComment();

    /// The projects reachable from <paramref name="project"/> through project references.
    private static HashSet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>(ProjectFile.Read(project).Projects);
        while (todo.TryPop(out var next))
        {
            if (seen.Add(next))
            {
                foreach (var further in ProjectFile.Read(next).Projects)
                {
                    todo.Push(further);
                }
            }
        }

        return seen;
    }

    private static IEnumerable<string> ReferencedAssemblies(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!);

    private static List<string> CustosAssemblies(Assembly assembly) =>
        [.. ReferencedAssemblies(assembly).Where(n => n.StartsWith("Custos.", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Custos.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Custos.slnx above {AppContext.BaseDirectory}.");
    }

    private sealed record ProjectFile(IReadOnlyList<string> Projects, IReadOnlyList<string> Packages, IReadOnlyList<string> Frameworks)
    {
        public static ProjectFile Read(string name)
        {
            var xml = XDocument.Load(Path.Combine(Root, "src", name, name + ".csproj"));
            List<string> Includes(string item) =>
                [.. xml.Descendants().Where(e => e.Name.LocalName == item).Select(e => (string?)e.Attribute("Include") ?? "")];
            return new ProjectFile(
                [.. Includes("ProjectReference").Select(p => Path.GetFileNameWithoutExtension(p.Replace('\\', '/')))],
                Includes("PackageReference"),
                Includes("FrameworkReference"));
        }
    }
}
