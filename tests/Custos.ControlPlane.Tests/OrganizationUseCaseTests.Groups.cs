using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task Create_ByAdministratorInAGroup_PutsTheOrganizationInItsGroupsSoItCanSeeIt()
    {
        var userId = await AddUserAsync(PartnerRole.Administrator);
        var groupId = await ReadAsync(async db =>
        {
            var group = PartnerGroup.Create(Seed.Partner.Id, "Dental " + NewTag(), Clock.GetUtcNow()).Value!;
            db.Groups.Add(group);
            db.GroupMembers.Add(new PartnerGroupMember { GroupId = group.Id, UserId = userId });
            await db.SaveChangesAsync();
            return group.Id;
        });
        var administrator = new Scope(Seed.Partner.Path, userId);

        var created = await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, Info(NewTag())), administrator);

        var org = created.ShouldSucceed();
        (await ReadAsync(db => db.GroupOrganizations.AnyAsync(g => g.GroupId == groupId && g.OrganizationId == org.Id))).ShouldBeTrue();
        (await ReadAsync(db => db.InScope(administrator).AnyAsync(o => o.Id == org.Id))).ShouldBeTrue();
    }

    [Fact]
    public async Task Create_ByAdministratorInNoGroup_IsRefusedAndSavesNothing()
    {
        var userId = await AddUserAsync(PartnerRole.Administrator);
        var before = await CountRowsAsync();

        var created = await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, Info(NewTag())), new Scope(Seed.Partner.Path, userId));

        created.Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("partner");
        (await CountRowsAsync()).ShouldBe(before);
    }

    private Task<Guid> AddUserAsync(PartnerRole role) =>
        ReadAsync(async db =>
        {
            var tag = NewTag();
            var user = new AppUser
            {
                Id = Guid.NewGuid(),
                UserName = $"admin.{tag}@example.com",
                NormalizedUserName = $"ADMIN.{tag}@EXAMPLE.COM",
                Email = $"admin.{tag}@example.com",
                NormalizedEmail = $"ADMIN.{tag}@EXAMPLE.COM",
                SecurityStamp = Guid.NewGuid().ToString(),
                DisplayName = "Adam Admin",
                PartnerId = Seed.Partner.Id,
                Role = role,
            };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            return user.Id;
        });
}
