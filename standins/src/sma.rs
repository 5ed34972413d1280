//! Stand-in of the SMA "API REST v1.0" (Res. Ex. 254/2020): 24 h JWT authentication and `registros`.
