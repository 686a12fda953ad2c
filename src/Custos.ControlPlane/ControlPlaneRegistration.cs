using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Partners;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane;

public static class ControlPlaneRegistration
{
    public static IServiceCollection AddControlPlane(this IServiceCollection services)
    {
        services.AddScoped<OrganizationCommands>();
        services.AddScoped<CreateOrganization>();
        services.AddScoped<UpdatePersonalInfo>();
        services.AddScoped<ChangePlan>();
        services.AddScoped<ChangeSeats>();
        services.AddScoped<SetAutoLicense>();
        services.AddScoped<SuspendOrganization>();
        services.AddScoped<UnsubscribeOrganization>();
        services.AddScoped<ReactivateOrganization>();
        services.AddScoped<DeleteOrganization>();
        services.AddScoped<PurgeOrganization>();
        services.AddScoped<PurgeDueOrganizations>();
        services.AddScoped<ListOrganizations>();
        services.AddScoped<SetDownloadLimit>();
        services.AddScoped<SetOrganizationFeature>();

        // The operator's grants of sales-gated features.
        services.AddScoped<ListFeatureEntitlements>();
        services.AddScoped<GrantFeatureEntitlement>();
        services.AddScoped<RevokeFeatureEntitlement>();

        // A partner's own users and groups. CreatePartnerUser needs Identity's UserManager, which the host registers.
        services.AddScoped<ListPartnerUsers>();
        services.AddScoped<CreatePartnerUser>();
        services.AddScoped<ChangePartnerUserRole>();
        services.AddScoped<RemovePartnerUser>();
        services.AddScoped<ListGroups>();
        services.AddScoped<GetGroup>();
        services.AddScoped<ListGroupOrganizations>();
        services.AddScoped<CreateGroup>();
        services.AddScoped<RenameGroup>();
        services.AddScoped<DeleteGroup>();
        services.AddScoped<SetGroupMembers>();
        services.AddScoped<SetGroupOrganizations>();
        return services;
    }
}
