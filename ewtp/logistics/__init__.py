"""Logistics: the hub network (hubs, lanes, carriers, rate tables), shipments with their legs and
parcels, one normalised tracking history, consolidation at the origin hub, returns and claims."""
