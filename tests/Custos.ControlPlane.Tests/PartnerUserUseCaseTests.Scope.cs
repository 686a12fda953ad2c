using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;

namespace Custos.ControlPlane.Tests;

/// Groups decide what an Administrator sees: <see cref="OrganizationQueries.InScope"/> with the
/// user as group member, the scope every organization page starts from.
public abstract partial class PartnerUserUseCaseTests
{
    [Fact]
    public async Task AdministratorInGroup_SeesExactlyTheGroupsOrganizations()
    {
        var partner = await NewPartnerAsync();
        var sub = await NewPartnerAsync(partner);
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var admin = await NewUserAsync(partner, PartnerRole.Administrator);
        var g = await NewGroupAsync(owner);
        var h = await NewGroupAsync(owner);
        var (o1, o2, o3, subOrg) = (await NewOrgAsync(partner), await NewOrgAsync(partner), await NewOrgAsync(partner), await NewOrgAsync(sub));
        var foreign = await NewOrgAsync(Seed.Foreign);
        (await SetOrganizationsAsync(owner, g, [o1, subOrg], [o1, subOrg])).ShouldSucceed();
        (await SetOrganizationsAsync(owner, h, [o2], [o2])).ShouldSucceed();
        (await SetMembersAsync(owner, g, admin.Id)).ShouldSucceed();
        var scope = new Scope(partner.Path, admin.Id);

        (await VisibleAsync(scope)).ShouldBe([o1, subOrg], ignoreOrder: true);

        // Joining a second group adds its organizations; the partner itself still sees them all.
        (await SetMembersAsync(owner, h, admin.Id)).ShouldSucceed();
        (await VisibleAsync(scope)).ShouldBe([o1, o2, subOrg], ignoreOrder: true);
        (await VisibleAsync(Scope.Partner(partner))).ShouldBe([o1, o2, o3, subOrg], ignoreOrder: true);
        (await VisibleAsync(scope)).ShouldNotContain(foreign);
    }

    [Fact]
    public async Task AdministratorInNoGroup_SeesNoOrganization()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var admin = await NewUserAsync(partner, PartnerRole.Administrator);
        var g = await NewGroupAsync(owner);
        var org = await NewOrgAsync(partner);
        (await SetOrganizationsAsync(owner, g, [org], [org])).ShouldSucceed();
        var scope = new Scope(partner.Path, admin.Id);

        (await VisibleAsync(scope)).ShouldBeEmpty();

        // In the group it sees the organization; once the group is deleted, nothing again.
        (await SetMembersAsync(owner, g, admin.Id)).ShouldSucceed();
        (await VisibleAsync(scope)).ShouldBe([org]);
        (await UseAsync<ControlPlane.Partners.DeleteGroup, Domain.Result>(u =>
            u.HandleAsync(new ControlPlane.Partners.DeleteGroupRequest(As(owner), g), default))).ShouldSucceed();
        (await VisibleAsync(scope)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AdministratorInAnotherPartnersGroup_SeesNothingOfIt()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var org = await NewOrgAsync(partner);
        var g = await NewGroupAsync(owner);
        (await SetOrganizationsAsync(owner, g, [org], [org])).ShouldSucceed();
        var strangerPartner = await NewPartnerAsync(Seed.Foreign);
        var stranger = await NewUserAsync(strangerPartner, PartnerRole.Administrator);

        // Membership can only be given to the partner's own users...
        (await SetMembersAsync(owner, g, stranger.Id)).Error.ShouldNotBeNull();
        // ...and even a forged membership row cannot reach outside the stranger's own subtree.
        await ReadAsync(async db =>
        {
            db.GroupMembers.Add(new Domain.Partners.PartnerGroupMember { GroupId = g, UserId = stranger.Id });
            return await db.SaveChangesAsync();
        });
        (await VisibleAsync(new Scope(strangerPartner.Path, stranger.Id))).ShouldBeEmpty();
    }
}
