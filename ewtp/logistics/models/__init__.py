from ewtp.logistics.models.aftercare import Claim, ReturnRequest
from ewtp.logistics.models.consolidation import Bag, MasterWaybill, Scan
from ewtp.logistics.models.network import Carrier, Hub, Lane, RateBreak, RateTable
from ewtp.logistics.models.policies import ReturnPolicy
from ewtp.logistics.models.shipments import Leg, Parcel, ParcelItem, Shipment, TrackingEvent

__all__ = ["Bag", "Carrier", "Claim", "Hub", "Lane", "Leg", "MasterWaybill", "Parcel", "ParcelItem", "RateBreak",
           "RateTable", "ReturnPolicy", "ReturnRequest", "Scan", "Shipment", "TrackingEvent"]
