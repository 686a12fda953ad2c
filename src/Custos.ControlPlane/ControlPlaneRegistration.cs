using Custos.ControlPlane.Organizations;
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
        return services;
    }
}
