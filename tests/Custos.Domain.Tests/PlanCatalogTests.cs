using Custos.Domain.Partners;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

public class PlanCatalogTests
{
    private readonly Plan _personal = Given.Plan(PlanType.Personal, Given.Start);
    private readonly Plan _backup = Given.Plan(PlanType.Backup, Given.Start);
    private readonly Plan _archiver = Given.Plan(PlanType.Archiver, Given.Start);
    private readonly Partner _root = Given.Partner(Given.Start, name: "root");
    private readonly Partner _child;
    private readonly Partner _grandchild;

    public PlanCatalogTests()
    {
        _child = Given.Partner(Given.Start, _root, "child");
        _grandchild = Given.Partner(Given.Start, _child, "grandchild");
    }

    private Plan[] AllPlans => [_personal, _backup, _archiver];

    [Fact]
    public void OfferedTo_WhenNoPartnerHasOfferings_IsEveryPublishedPlan()
    {
        PlanCatalog.OfferedTo(Ancestry(_grandchild), [], AllPlans).ShouldBe(AllPlans, ignoreOrder: true);
    }

    [Fact]
    public void OfferedTo_WithOwnOfferings_IsExactlyThoseAndIgnoresTheAncestors()
    {
        PlanOffering[] offerings = [Offer(_root, _personal), Offer(_child, _backup)];

        PlanCatalog.OfferedTo(Ancestry(_child), offerings, AllPlans).ShouldBe([_backup]);
    }

    [Fact]
    public void OfferedTo_WithoutOwnOfferings_InheritsFromTheNearestAncestorThatHasSome()
    {
        PlanOffering[] offerings = [Offer(_root, _personal), Offer(_child, _backup), Offer(_child, _archiver)];

        PlanCatalog.OfferedTo(Ancestry(_grandchild), offerings, AllPlans).ShouldBe([_backup, _archiver], ignoreOrder: true);
    }

    [Fact]
    public void OfferedTo_IgnoresOfferingsOfPartnersBelow()
    {
        PlanOffering[] offerings = [Offer(_grandchild, _archiver)];

        PlanCatalog.OfferedTo(Ancestry(_child), offerings, AllPlans).ShouldBe(AllPlans, ignoreOrder: true);
    }

    private static PlanOffering Offer(Partner partner, Plan plan) => new() { PartnerId = partner.Id, PlanId = plan.Id };

    /// The partner itself first, then its parents up to the root, read from its path.
    private static Guid[] Ancestry(Partner partner) =>
        partner.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).Reverse().ToArray();
}
