using Custos.Domain.Partners;

namespace Custos.Domain.Tests;

public class PartnerTests
{
    [Fact]
    public void Create_UnderAParent_AppendsItsOwnIdToTheParentsPath()
    {
        var root = Given.Partner(Given.Start);
        var child = Given.Partner(Given.Start, root);
        var grandchild = Given.Partner(Given.Start, child);

        root.Path.ShouldBe($"/{root.Id:N}/");
        root.ParentId.ShouldBeNull();
        child.Path.ShouldBe($"{root.Path}{child.Id:N}/");
        child.ParentId.ShouldBe(root.Id);
        grandchild.Path.ShouldBe($"/{root.Id:N}/{child.Id:N}/{grandchild.Id:N}/");
        grandchild.PublicId.ShouldMatch("^P-[0-9A-HJKMNP-TV-Z]{7}$");
    }

    [Theory]
    [InlineData("child", "child", true)]
    [InlineData("child", "grandchild", true)]
    [InlineData("root", "grandchild", true)]
    [InlineData("child", "root", false)]
    [InlineData("child", "sibling", false)]
    [InlineData("sibling", "grandchild", false)]
    public void Covers_AnotherPartner_IsTrueOnlyForItselfAndPartnersBelow(string who, string other, bool covers)
    {
        var root = Given.Partner(Given.Start, name: "root");
        var child = Given.Partner(Given.Start, root, "child");
        var tree = new Dictionary<string, Partner>
        {
            ["root"] = root,
            ["child"] = child,
            ["grandchild"] = Given.Partner(Given.Start, child, "grandchild"),
            ["sibling"] = Given.Partner(Given.Start, root, "sibling"),
        };

        tree[who].Covers(tree[other]).ShouldBe(covers);
    }

    [Fact]
    public void Create_UnderAnInactiveParent_FailsOnParent()
    {
        var parent = Given.Partner(Given.Start);
        parent.Deactivate();

        var result = Partner.Create("Sub IT", "de", parent, isDistributor: false, Given.Start);

        result.Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("parent");
    }
}
