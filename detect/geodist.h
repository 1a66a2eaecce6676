/* geodist: the distance ES|QL's ST_DISTANCE gives between two geo_points, in metres.
 *
 * Elasticsearch (StDistance.GeoDistanceCalculator) quantizes each coordinate to Lucene's 32-bit
 * grid (GeoUtils.quantizeLat/quantizeLon: GeoEncodingUtils.encodeLatitude, rounding down, then
 * decodeLatitude) and takes Lucene's SloppyMath.haversinMeters of them: the haversine over a
 * sphere of radius 6,371,008.7714 m, with SloppyMath's table-driven cos and asin (a 2,049-entry
 * sin/cos table stepped by Taylor terms, an 8,193-entry asin table below sin(73°) and fdlibm's
 * rational form above), and the haversine's sort key's low three bits cleared. The same steps
 * in the same order give Elasticsearch's double (spatial.csv-spec: POINT(1 1) to POINT(0 0) is
 * 157249.5916907891). Lucene fills its tables from Java's StrictMath (fdlibm); casebook
 * computes each entry correctly rounded in double-double arithmetic and moves the 620 entries
 * where fdlibm rounds the other way by one unit in the last place, so the tables, and every
 * distance, are Lucene's bit for bit (100,000 random pairs checked against SloppyMath's code
 * run in Java). */
#ifndef CASEBOOK_GEODIST_H
#define CASEBOOK_GEODIST_H

/* The distance in metres from (lon1, lat1) to (lon2, lat2), as ST_DISTANCE answers it; -1
 * when a latitude is past ±90 or a longitude past ±180 (Lucene's encoding refuses it, which
 * ES|QL answers with null and a warning). */
double geodist_meters(double lon1, double lat1, double lon2, double lat2);

#endif
