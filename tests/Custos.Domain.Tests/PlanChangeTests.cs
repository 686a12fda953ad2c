using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

public class PlanChangeTests
{
    [Theory]
    [InlineData(PlanType.Personal, PlanType.Personal, true)]
    [InlineData(PlanType.Personal, PlanType.Backup, false)]
    [InlineData(PlanType.Personal, PlanType.Archiver, false)]
    [InlineData(PlanType.Backup, PlanType.Personal, false)]
    [InlineData(PlanType.Backup, PlanType.Backup, true)]
    [InlineData(PlanType.Backup, PlanType.Archiver, true)]
    [InlineData(PlanType.Archiver, PlanType.Personal, false)]
    [InlineData(PlanType.Archiver, PlanType.Backup, false)]
    [InlineData(PlanType.Archiver, PlanType.Archiver, true)]
    public void ChangePlan_ForEachTypePair_AllowsOnlySameTypeOrBackupToArchiver(PlanType from, PlanType to, bool allowed)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, from);
        var before = OrganizationSnapshot.Of(org);
        clock.Advance(TimeSpan.FromDays(1));
        var target = Given.Plan(to, clock.GetUtcNow(), "Another plan");

        var result = org.ChangePlan(target, clock.GetUtcNow());

        if (allowed)
        {
            result.ShouldSucceed();
            org.PlanId.ShouldBe(target.Id);
            org.PlanType.ShouldBe(to);
            org.Version.ShouldBe(before.Version + 1);
            org.History[^1].PlanId.ShouldBe(target.Id);
        }
        else
        {
            result.ShouldFailWith<PlanChangeRefused>().ShouldBe(new PlanChangeRefused(from, to));
            OrganizationSnapshot.Of(org).ShouldBe(before);
            org.PlanType.ShouldBe(from);
        }
    }

    [Fact]
    public void ChangePlan_ToTheCurrentPlan_FailsWithSamePlan()
    {
        var clock = Given.Clock();
        var plan = Given.Plan(PlanType.Backup, clock.GetUtcNow());
        var org = Given.Organization(clock, plan);
        var before = OrganizationSnapshot.Of(org);

        org.ChangePlan(plan, clock.GetUtcNow()).ShouldFailWith<SamePlan>();

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Fact]
    public void ChangePlan_FromBackupToArchiver_KeepsSeatsAndLicenseMode()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Backup);

        org.ChangePlan(Given.Plan(PlanType.Archiver, clock.GetUtcNow()), clock.GetUtcNow()).ShouldSucceed();

        org.Seats.ShouldBe(Given.Seats);
        org.AutoLicense.ShouldBeFalse();
    }

    [Fact]
    public void ChangePlan_WhenSuspended_IsAllowed()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Backup, OrganizationStatus.Suspended);
        var target = Given.Plan(PlanType.Backup, clock.GetUtcNow(), "Backup Plus");

        org.ChangePlan(target, clock.GetUtcNow()).ShouldSucceed();

        org.PlanId.ShouldBe(target.Id);
        org.Status.ShouldBe(OrganizationStatus.Suspended);
    }
}
