using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

public class FeatureTests
{
    private static readonly IReadOnlySet<OrganizationFeature> Nothing = new HashSet<OrganizationFeature>();

    private static readonly IReadOnlySet<OrganizationFeature> Everything = OrganizationFeatures.SalesGated.ToHashSet();

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    public void SetDownloadLimit_WithinOneToTen_StoresItAndBumpsVersion(int gb)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.DownloadLimitGb.ShouldBe(OrganizationFeatures.DefaultDownloadLimitGb);
        var version = org.Version;

        var result = org.SetDownloadLimit(gb, clock.GetUtcNow());

        if (gb == OrganizationFeatures.DefaultDownloadLimitGb)
        {
            result.ShouldFailWith<NoChange>();
            org.Version.ShouldBe(version);
        }
        else
        {
            result.ShouldSucceed();
            org.Version.ShouldBe(version + 1);
        }

        org.DownloadLimitGb.ShouldBe(gb);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(11)]
    [InlineData(int.MaxValue)]
    public void SetDownloadLimit_OutsideOneToTen_FailsOnTheFieldAndChangesNothing(int gb)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var before = OrganizationSnapshot.Of(org);

        var error = org.SetDownloadLimit(gb, clock.GetUtcNow()).ShouldFailWith<DownloadLimitOutOfRange>();

        error.Field.ShouldBe("downloadLimit");
        error.Message.ShouldContain("1 to 10");
        org.DownloadLimitGb.ShouldBe(1);
        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    public static TheoryData<OrganizationFeature, PlanType, bool, bool, string?> TurnOnCases => new()
    {
        // feature, plan, entitled, M365 admin credentials, expected error (null: turned on)
        { OrganizationFeature.Insights, PlanType.Backup, false, false, null },
        { OrganizationFeature.Insights, PlanType.Personal, false, false, null },
        { OrganizationFeature.InPlaceArchiveBackup, PlanType.Backup, false, false, null },
        { OrganizationFeature.AdGroupBackup, PlanType.Backup, false, true, null },
        { OrganizationFeature.AdGroupBackup, PlanType.Archiver, true, false, nameof(AdGroupBackupNeedsMicrosoft365Admin) },
        { OrganizationFeature.Worm, PlanType.Backup, true, false, null },
        { OrganizationFeature.Worm, PlanType.Backup, false, false, nameof(FeatureNotEntitled) },
        { OrganizationFeature.DataProtectionOfficer, PlanType.Personal, true, false, null },
        { OrganizationFeature.DataProtectionOfficer, PlanType.Backup, false, false, nameof(FeatureNotEntitled) },
        { OrganizationFeature.Compliance, PlanType.Archiver, true, false, null },
        { OrganizationFeature.Compliance, PlanType.Archiver, false, false, nameof(FeatureNotEntitled) },
        { OrganizationFeature.Compliance, PlanType.Backup, true, false, nameof(FeatureNeedsArchiver) },
        { OrganizationFeature.Compliance, PlanType.Personal, true, false, nameof(FeatureNeedsArchiver) },
        { OrganizationFeature.PrivateChatBackup, PlanType.Archiver, true, false, null },
        { OrganizationFeature.PrivateChatBackup, PlanType.Archiver, false, false, nameof(FeatureNotEntitled) },
        { OrganizationFeature.PrivateChatBackup, PlanType.Backup, true, false, nameof(FeatureNeedsArchiver) },

        // Not available on the plan answers first, whatever the entitlement.
        { OrganizationFeature.PrivateChatBackup, PlanType.Backup, false, false, nameof(FeatureNeedsArchiver) },
    };

    [Theory]
    [MemberData(nameof(TurnOnCases))]
    public void SetFeature_On_FollowsPlanEntitlementAndCredentialRules(
        OrganizationFeature feature, PlanType plan, bool entitled, bool adminCredentials, string? expectedError)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, plan);
        org.SetMicrosoft365AdminCredentials(adminCredentials);
        var before = OrganizationSnapshot.Of(org);

        var result = org.SetFeature(feature, true, entitled ? Everything : Nothing, clock.GetUtcNow());

        if (expectedError is null)
        {
            result.ShouldSucceed();
            org.IsEnabled(feature).ShouldBeTrue();
            org.Version.ShouldBe(before.Version + 1);
            org.WhyCannotTurnOn(feature, entitled ? Everything : Nothing).ShouldBeNull();
        }
        else
        {
            result.Error.ShouldNotBeNull().GetType().Name.ShouldBe(expectedError);
            org.IsEnabled(feature).ShouldBeFalse();
            OrganizationSnapshot.Of(org).ShouldBe(before);
            org.WhyCannotTurnOn(feature, entitled ? Everything : Nothing).ShouldNotBeNull().GetType().Name.ShouldBe(expectedError);
        }
    }

    [Fact]
    public void SetFeature_EntitledForAnotherFeatureOnly_StaysLocked()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        org.SetFeature(OrganizationFeature.Worm, true, new HashSet<OrganizationFeature> { OrganizationFeature.DataProtectionOfficer }, clock.GetUtcNow())
            .ShouldFailWith<FeatureNotEntitled>().Message.ShouldContain("ask your provider");
    }

    [Fact]
    public void SetFeature_WormOn_ForcesDpoOffAndLocksIt()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetFeature(OrganizationFeature.DataProtectionOfficer, true, Everything, clock.GetUtcNow()).ShouldSucceed();

        org.SetFeature(OrganizationFeature.Worm, true, Everything, clock.GetUtcNow()).ShouldSucceed();

        org.WormEnabled.ShouldBeTrue();
        org.DpoEnabled.ShouldBeFalse();
        org.SetFeature(OrganizationFeature.DataProtectionOfficer, true, Everything, clock.GetUtcNow()).ShouldFailWith<DpoLockedByWorm>();
        org.WhyCannotTurnOn(OrganizationFeature.DataProtectionOfficer, Everything).ShouldBeOfType<DpoLockedByWorm>();

        // WORM off again: the Data Protection Officer may come back.
        org.SetFeature(OrganizationFeature.Worm, false, Everything, clock.GetUtcNow()).ShouldSucceed();
        org.SetFeature(OrganizationFeature.DataProtectionOfficer, true, Everything, clock.GetUtcNow()).ShouldSucceed();
        org.DpoEnabled.ShouldBeTrue();
    }

    [Theory]
    [InlineData(OrganizationFeature.Worm)]
    [InlineData(OrganizationFeature.DataProtectionOfficer)]
    [InlineData(OrganizationFeature.Compliance)]
    [InlineData(OrganizationFeature.PrivateChatBackup)]
    public void SetFeature_OffAfterEntitlementRevoked_IsAllowedButNotOnAgain(OrganizationFeature feature)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Archiver);
        org.SetFeature(feature, true, Everything, clock.GetUtcNow()).ShouldSucceed();

        // The grant is gone: the feature stays on until someone turns it off.
        org.IsEnabled(feature).ShouldBeTrue();
        org.SetFeature(feature, false, Nothing, clock.GetUtcNow()).ShouldSucceed();

        org.IsEnabled(feature).ShouldBeFalse();
        org.SetFeature(feature, true, Nothing, clock.GetUtcNow()).ShouldFailWith<FeatureNotEntitled>();
    }

    [Fact]
    public void SetFeature_AdGroupBackupOnThenCredentialsGone_CanStillBeTurnedOff()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetMicrosoft365AdminCredentials(true);
        org.SetFeature(OrganizationFeature.AdGroupBackup, true, Nothing, clock.GetUtcNow()).ShouldSucceed();
        org.SetMicrosoft365AdminCredentials(false);

        org.SetFeature(OrganizationFeature.AdGroupBackup, false, Nothing, clock.GetUtcNow()).ShouldSucceed();

        org.AdGroupBackupEnabled.ShouldBeFalse();
    }

    [Theory]
    [InlineData(OrganizationFeature.Insights, false)]
    [InlineData(OrganizationFeature.Worm, false)]
    [InlineData(OrganizationFeature.InPlaceArchiveBackup, false)]
    public void SetFeature_ToItsCurrentState_NoChangeAndVersionKept(OrganizationFeature feature, bool state)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var before = OrganizationSnapshot.Of(org);

        org.SetFeature(feature, state, Everything, clock.GetUtcNow()).ShouldFailWith<NoChange>();

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Theory]
    [InlineData(OrganizationFeature.Insights, true)]
    [InlineData(OrganizationFeature.Worm, true)]
    [InlineData(OrganizationFeature.DataProtectionOfficer, false)]
    public void FeatureChanges_OnDeletedOrganization_FailWithAlreadyDeleted(OrganizationFeature feature, bool enabled)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Deleted);
        var before = OrganizationSnapshot.Of(org);

        org.SetFeature(feature, enabled, Everything, clock.GetUtcNow()).ShouldFailWith<AlreadyDeleted>();
        org.SetDownloadLimit(5, clock.GetUtcNow()).ShouldFailWith<AlreadyDeleted>();

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Fact]
    public void SetFeature_DoesNotWriteSubscriptionHistory()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var history = org.History.Count;
        clock.Advance(TimeSpan.FromDays(2));

        org.SetFeature(OrganizationFeature.Insights, true, Nothing, clock.GetUtcNow()).ShouldSucceed();
        org.SetDownloadLimit(4, clock.GetUtcNow()).ShouldSucceed();

        org.History.Count.ShouldBe(history);
    }

    [Fact]
    public void Catalog_SalesGatedAndArchiverOnly_AreTheSpecifiedOnes()
    {
        OrganizationFeatures.All.Count.ShouldBe(7);
        OrganizationFeatures.SalesGated.ShouldBe(
            [OrganizationFeature.Worm, OrganizationFeature.DataProtectionOfficer, OrganizationFeature.Compliance, OrganizationFeature.PrivateChatBackup],
            ignoreOrder: true);
        OrganizationFeatures.All.Where(OrganizationFeatures.NeedsArchiver)
            .ShouldBe([OrganizationFeature.Compliance, OrganizationFeature.PrivateChatBackup], ignoreOrder: true);
    }

    [Theory]
    [InlineData("Worm", OrganizationFeature.Worm)]
    [InlineData(" PrivateChatBackup ", OrganizationFeature.PrivateChatBackup)]
    [InlineData("2", null)]
    [InlineData("-1", null)]
    [InlineData("worm", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("Worm,Insights", null)]
    public void Parse_AcceptsOnlyExactNames(string? value, OrganizationFeature? expected) =>
        OrganizationFeatures.Parse(value).ShouldBe(expected);

    [Fact]
    public void Entitlement_OfFeatureNotSalesGated_IsRefused()
    {
        var now = Given.Start;

        var refused = FeatureEntitlement.ToPartner(OrganizationFeature.Insights, Guid.NewGuid(), new Audit.Actor("op", "Operator"), now);
        var granted = FeatureEntitlement.ToOrganization(OrganizationFeature.Worm, Guid.NewGuid(), new Audit.Actor("op", "Operator"), now);

        refused.Error.ShouldBeOfType<FeatureNotSalesGated>();
        granted.Error.ShouldBeNull();
        granted.Value!.PartnerId.ShouldBeNull();
    }

    [Fact]
    public void IdsOnPath_ListsRootToSelf()
    {
        var root = Given.Partner(Given.Start);
        var child = Given.Partner(Given.Start, root, "Child");
        var grandchild = Given.Partner(Given.Start, child, "Grandchild");

        Partners.Partner.IdsOnPath(grandchild.Path).ShouldBe([root.Id, child.Id, grandchild.Id]);
    }
}
