#define rand	pan_rand
#define pthread_equal(a,b)	((a)==(b))
#if defined(HAS_CODE) && defined(VERBOSE)
	#ifdef BFS_PAR
		bfs_printf("Pr: %d Tr: %d\n", II, t->forw);
	#else
		cpu_printf("Pr: %d Tr: %d\n", II, t->forw);
	#endif
#endif
	switch (t->forw) {
	default: Uerror("bad forward move");
	case 0:	/* if without executable clauses */
		continue;
	case 1: /* generic 'goto' or 'skip' */
		IfNotBlocked
		_m = 3; goto P999;
	case 2: /* generic 'else' */
		IfNotBlocked
		if (trpt->o_pm&1) continue;
		_m = 3; goto P999;

		 /* PROC :init: */
	case 3: // STATE 1 - ./cancel.pml:379 - [i = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[3][1] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 4: // STATE 2 - ./cancel.pml:381 - [((i<2))] (8:0:3 - 1)
		IfNotBlocked
		reached[3][2] = 1;
		if (!((((int)((P3 *)_this)->i)<2)))
			continue;
		/* merge: seq[i] = i(8, 3, 8) */
		reached[3][3] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)now.seq[ Index(((int)((P3 *)_this)->i), 2) ]);
		now.seq[ Index(((P3 *)_this)->i, 2) ] = ((int)((P3 *)_this)->i);
#ifdef VAR_RANGES
		logval("seq[:init::i]", ((int)now.seq[ Index(((int)((P3 *)_this)->i), 2) ]));
#endif
		;
		/* merge: tomb[i] = 255(8, 4, 8) */
		reached[3][4] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.tomb[ Index(((int)((P3 *)_this)->i), 2) ]);
		now.tomb[ Index(((P3 *)_this)->i, 2) ] = 255;
#ifdef VAR_RANGES
		logval("tomb[:init::i]", ((int)now.tomb[ Index(((int)((P3 *)_this)->i), 2) ]));
#endif
		;
		/* merge: i = (i+1)(8, 5, 8) */
		reached[3][5] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = (((int)((P3 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 9, 8) */
		reached[3][9] = 1;
		;
		_m = 3; goto P999; /* 4 */
	case 5: // STATE 11 - ./cancel.pml:384 - [i = 0] (0:17:1 - 3)
		IfNotBlocked
		reached[3][11] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 18, 17) */
		reached[3][18] = 1;
		;
		_m = 3; goto P999; /* 1 */
	case 6: // STATE 12 - ./cancel.pml:386 - [((i<3))] (17:0:2 - 1)
		IfNotBlocked
		reached[3][12] = 1;
		if (!((((int)((P3 *)_this)->i)<3)))
			continue;
		/* merge: ticket[i] = 255(17, 13, 17) */
		reached[3][13] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)now.ticket[ Index(((int)((P3 *)_this)->i), 3) ]);
		now.ticket[ Index(((P3 *)_this)->i, 3) ] = 255;
#ifdef VAR_RANGES
		logval("ticket[:init::i]", ((int)now.ticket[ Index(((int)((P3 *)_this)->i), 3) ]));
#endif
		;
		/* merge: i = (i+1)(17, 14, 17) */
		reached[3][14] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = (((int)((P3 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 18, 17) */
		reached[3][18] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 7: // STATE 20 - ./cancel.pml:389 - [(run Producer(3,7,0,0))] (0:0:0 - 3)
		IfNotBlocked
		reached[3][20] = 1;
		if (!(addproc(II, 1, 0, 3, 7, 0, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 8: // STATE 21 - ./cancel.pml:393 - [(run Producer(1,0,0,0))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][21] = 1;
		if (!(addproc(II, 1, 0, 1, 0, 0, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 9: // STATE 22 - ./cancel.pml:395 - [i = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[3][22] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 10: // STATE 23 - ./cancel.pml:397 - [((i<2))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][23] = 1;
		if (!((((int)((P3 *)_this)->i)<2)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 11: // STATE 24 - ./cancel.pml:397 - [(run Consumer())] (0:0:0 - 1)
		IfNotBlocked
		reached[3][24] = 1;
		if (!(addproc(II, 1, 1, 0, 0, 0, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 12: // STATE 25 - ./cancel.pml:397 - [i = (i+1)] (0:0:1 - 1)
		IfNotBlocked
		reached[3][25] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = (((int)((P3 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 13: // STATE 31 - ./cancel.pml:408 - [(run Canceller(0))] (0:0:0 - 3)
		IfNotBlocked
		reached[3][31] = 1;
		if (!(addproc(II, 1, 2, 0, 0, 0, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 14: // STATE 32 - ./cancel.pml:409 - [(run Canceller(0))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][32] = 1;
		if (!(addproc(II, 1, 2, 0, 0, 0, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 15: // STATE 33 - ./cancel.pml:410 - [(run Canceller(2))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][33] = 1;
		if (!(addproc(II, 1, 2, 2, 0, 0, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 16: // STATE 34 - ./cancel.pml:412 - [i = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[3][34] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 17: // STATE 36 - ./cancel.pml:414 - [((_nr_pr==1))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][36] = 1;
		if (!((((int)now._nr_pr)==1)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 18: // STATE 37 - ./cancel.pml:417 - [assert(((tail==4)&&(head==4)))] (0:44:1 - 1)
		IfNotBlocked
		reached[3][37] = 1;
		spin_assert(((((int)now.tail)==4)&&(((int)now.head)==4)), "((tail==4)&&(head==4))", II, tt, t);
		/* merge: i = 0(44, 38, 44) */
		reached[3][38] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 45, 44) */
		reached[3][45] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 19: // STATE 39 - ./cancel.pml:420 - [((i<4))] (44:0:1 - 1)
		IfNotBlocked
		reached[3][39] = 1;
		if (!((((int)((P3 *)_this)->i)<4)))
			continue;
		/* merge: assert(((ran[i]+disc[i])==1))(44, 40, 44) */
		reached[3][40] = 1;
		spin_assert(((((int)now.ran[ Index(((int)((P3 *)_this)->i), 4) ])+((int)now.disc[ Index(((int)((P3 *)_this)->i), 4) ]))==1), "((ran[i]+disc[i])==1)", II, tt, t);
		/* merge: i = (i+1)(44, 41, 44) */
		reached[3][41] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = (((int)((P3 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 45, 44) */
		reached[3][45] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 20: // STATE 47 - ./cancel.pml:423 - [assert((skipped==cancels))] (0:54:1 - 3)
		IfNotBlocked
		reached[3][47] = 1;
		spin_assert((((int)now.skipped)==((int)now.cancels)), "(skipped==cancels)", II, tt, t);
		/* merge: i = 0(54, 48, 54) */
		reached[3][48] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 55, 54) */
		reached[3][55] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 21: // STATE 49 - ./cancel.pml:427 - [((i<2))] (54:0:1 - 1)
		IfNotBlocked
		reached[3][49] = 1;
		if (!((((int)((P3 *)_this)->i)<2)))
			continue;
		/* merge: assert(((tomb[i]==255)||((tomb[i]&2)==0)))(54, 50, 54) */
		reached[3][50] = 1;
		spin_assert(((((int)now.tomb[ Index(((int)((P3 *)_this)->i), 2) ])==255)||((((int)now.tomb[ Index(((int)((P3 *)_this)->i), 2) ])&2)==0)), "((tomb[i]==255)||((tomb[i]&2)==0))", II, tt, t);
		/* merge: i = (i+1)(54, 51, 54) */
		reached[3][51] = 1;
		(trpt+1)->bup.oval = ((int)((P3 *)_this)->i);
		((P3 *)_this)->i = (((int)((P3 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval(":init::i", ((int)((P3 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 55, 54) */
		reached[3][55] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 22: // STATE 58 - ./cancel.pml:432 - [-end-] (0:0:0 - 1)
		IfNotBlocked
		reached[3][58] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */

		 /* PROC Canceller */
	case 23: // STATE 1 - ./cancel.pml:306 - [((ticket[tk]!=255))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][1] = 1;
		if (!((((int)now.ticket[ Index(((int)((P2 *)_this)->tk), 3) ])!=255)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 24: // STATE 2 - ./cancel.pml:307 - [p = ticket[tk]] (0:5:2 - 1)
		IfNotBlocked
		reached[2][2] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->p);
		((P2 *)_this)->p = ((int)now.ticket[ Index(((int)((P2 *)_this)->tk), 3) ]);
#ifdef VAR_RANGES
		logval("Canceller:p", ((int)((P2 *)_this)->p));
#endif
		;
		/* merge: s = (p%2)(5, 3, 5) */
		reached[2][3] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->s);
		((P2 *)_this)->s = (((int)((P2 *)_this)->p)%2);
#ifdef VAR_RANGES
		logval("Canceller:s", ((int)((P2 *)_this)->s));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 25: // STATE 5 - ./cancel.pml:309 - [t = tomb[s]] (0:0:1 - 4)
		IfNotBlocked
		reached[2][5] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->t);
		((P2 *)_this)->t = ((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ]);
#ifdef VAR_RANGES
		logval("Canceller:t", ((int)((P2 *)_this)->t));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 26: // STATE 6 - ./cancel.pml:313 - [(((t==((p*8)+2))||(t==(((p*8)+1)+2))))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][6] = 1;
		if (!(((((int)((P2 *)_this)->t)==((((int)((P2 *)_this)->p)*8)+2))||(((int)((P2 *)_this)->t)==(((((int)((P2 *)_this)->p)*8)+1)+2)))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 27: // STATE 7 - ./cancel.pml:314 - [((tomb[s]!=t))] (5:0:2 - 1)
		IfNotBlocked
		reached[2][7] = 1;
		if (!((((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ])!=((int)((P2 *)_this)->t))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: t */  (trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->t;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->t = 0;
		/* merge: t = 0(0, 8, 5) */
		reached[2][8] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->t);
		((P2 *)_this)->t = 0;
#ifdef VAR_RANGES
		logval("Canceller:t", ((int)((P2 *)_this)->t));
#endif
		;
		/* merge: goto again(0, 10, 5) */
		reached[2][10] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 28: // STATE 15 - ./cancel.pml:320 - [(((t&~(1))!=(p*8)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][15] = 1;
		if (!(((((int)((P2 *)_this)->t)& ~(1))!=(((int)((P2 *)_this)->p)*8))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: t */  (trpt+1)->bup.oval = ((P2 *)_this)->t;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->t = 0;
		_m = 3; goto P999; /* 0 */
	case 29: // STATE 21 - ./cancel.pml:326 - [((tomb[s]==t))] (39:0:1 - 1)
		IfNotBlocked
		reached[2][21] = 1;
		if (!((((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ])==((int)((P2 *)_this)->t))))
			continue;
		/* merge: tomb[s] = (t|2)(39, 22, 39) */
		reached[2][22] = 1;
		(trpt+1)->bup.oval = ((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ]);
		now.tomb[ Index(((P2 *)_this)->s, 2) ] = (((int)((P2 *)_this)->t)|2);
#ifdef VAR_RANGES
		logval("tomb[Canceller:s]", ((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ]));
#endif
		;
		/* merge: .(goto)(39, 26, 39) */
		reached[2][26] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 30: // STATE 28 - ./cancel.pml:336 - [((head>p))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][28] = 1;
		if (!((((int)now.head)>((int)((P2 *)_this)->p))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 31: // STATE 29 - ./cancel.pml:344 - [((tomb[s]==(t|2)))] (56:0:1 - 1)
		IfNotBlocked
		reached[2][29] = 1;
		if (!((((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ])==(((int)((P2 *)_this)->t)|2))))
			continue;
		/* merge: tomb[s] = t(56, 30, 56) */
		reached[2][30] = 1;
		(trpt+1)->bup.oval = ((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ]);
		now.tomb[ Index(((P2 *)_this)->s, 2) ] = ((int)((P2 *)_this)->t);
#ifdef VAR_RANGES
		logval("tomb[Canceller:s]", ((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ]));
#endif
		;
		/* merge: .(goto)(56, 34, 56) */
		reached[2][34] = 1;
		;
		/* merge: goto fail(0, 36, 56) */
		reached[2][36] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 32: // STATE 34 - ./cancel.pml:347 - [.(goto)] (0:56:0 - 2)
		IfNotBlocked
		reached[2][34] = 1;
		;
		/* merge: goto fail(0, 36, 56) */
		reached[2][36] = 1;
		;
		_m = 3; goto P999; /* 1 */
	case 33: // STATE 32 - ./cancel.pml:345 - [(1)] (56:0:0 - 1)
		IfNotBlocked
		reached[2][32] = 1;
		if (!(1))
			continue;
		/* merge: .(goto)(56, 34, 56) */
		reached[2][34] = 1;
		;
		/* merge: goto fail(0, 36, 56) */
		reached[2][36] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 34: // STATE 41 - ./cancel.pml:354 - [assert(!(writing[s]))] (0:47:1 - 1)
		IfNotBlocked
		reached[2][41] = 1;
		spin_assert( !(((int)now.writing[ Index(((int)((P2 *)_this)->s), 2) ])), " !(writing[s])", II, tt, t);
		/* merge: reading[s] = (reading[s]+1)(47, 42, 47) */
		reached[2][42] = 1;
		(trpt+1)->bup.oval = ((int)now.reading[ Index(((int)((P2 *)_this)->s), 2) ]);
		now.reading[ Index(((P2 *)_this)->s, 2) ] = (((int)now.reading[ Index(((int)((P2 *)_this)->s), 2) ])+1);
#ifdef VAR_RANGES
		logval("reading[Canceller:s]", ((int)now.reading[ Index(((int)((P2 *)_this)->s), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 35: // STATE 44 - ./cancel.pml:355 - [assert(!(writing[s]))] (0:54:2 - 1)
		IfNotBlocked
		reached[2][44] = 1;
		spin_assert( !(((int)now.writing[ Index(((int)((P2 *)_this)->s), 2) ])), " !(writing[s])", II, tt, t);
		/* merge: v = task[s](54, 45, 54) */
		reached[2][45] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = ((int)now.task[ Index(((int)((P2 *)_this)->s), 2) ]);
#ifdef VAR_RANGES
		logval("Canceller:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: reading[s] = (reading[s]-1)(54, 46, 54) */
		reached[2][46] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.reading[ Index(((int)((P2 *)_this)->s), 2) ]);
		now.reading[ Index(((P2 *)_this)->s, 2) ] = (((int)now.reading[ Index(((int)((P2 *)_this)->s), 2) ])-1);
#ifdef VAR_RANGES
		logval("reading[Canceller:s]", ((int)now.reading[ Index(((int)((P2 *)_this)->s), 2) ]));
#endif
		;
		/* merge: assert((v==(p+1)))(54, 48, 54) */
		reached[2][48] = 1;
		spin_assert((((int)((P2 *)_this)->v)==(((int)((P2 *)_this)->p)+1)), "(v==(p+1))", II, tt, t);
		_m = 3; goto P999; /* 3 */
	case 36: // STATE 49 - ./cancel.pml:359 - [tomb[s] = (t|4)] (0:62:4 - 1)
		IfNotBlocked
		reached[2][49] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ]);
		now.tomb[ Index(((P2 *)_this)->s, 2) ] = (((int)((P2 *)_this)->t)|4);
#ifdef VAR_RANGES
		logval("tomb[Canceller:s]", ((int)now.tomb[ Index(((int)((P2 *)_this)->s), 2) ]));
#endif
		;
		/* merge: assert(((ran[p]==0)&&(disc[p]==0)))(62, 50, 62) */
		reached[2][50] = 1;
		spin_assert(((((int)now.ran[ Index(((int)((P2 *)_this)->p), 4) ])==0)&&(((int)now.disc[ Index(((int)((P2 *)_this)->p), 4) ])==0)), "((ran[p]==0)&&(disc[p]==0))", II, tt, t);
		/* merge: disc[p] = (disc[p]+1)(62, 51, 62) */
		reached[2][51] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.disc[ Index(((int)((P2 *)_this)->p), 4) ]);
		now.disc[ Index(((P2 *)_this)->p, 4) ] = (((int)now.disc[ Index(((int)((P2 *)_this)->p), 4) ])+1);
#ifdef VAR_RANGES
		logval("disc[Canceller:p]", ((int)now.disc[ Index(((int)((P2 *)_this)->p), 4) ]));
#endif
		;
		/* merge: cancels = (cancels+1)(62, 52, 62) */
		reached[2][52] = 1;
		(trpt+1)->bup.ovals[2] = ((int)now.cancels);
		now.cancels = (((int)now.cancels)+1);
#ifdef VAR_RANGES
		logval("cancels", ((int)now.cancels));
#endif
		;
		/* merge: v = 0(62, 53, 62) */
		reached[2][53] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("Canceller:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: goto end(0, 55, 62) */
		reached[2][55] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 37: // STATE 56 - ./cancel.pml:368 - [assert(((head>p)||(disc[p]>0)))] (0:0:0 - 4)
		IfNotBlocked
		reached[2][56] = 1;
		spin_assert(((((int)now.head)>((int)((P2 *)_this)->p))||(((int)now.disc[ Index(((int)((P2 *)_this)->p), 4) ])>0)), "((head>p)||(disc[p]>0))", II, tt, t);
		_m = 3; goto P999; /* 0 */
	case 38: // STATE 58 - ./cancel.pml:371 - [p = 0] (0:63:4 - 1)
		IfNotBlocked
		reached[2][58] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->p);
		((P2 *)_this)->p = 0;
#ifdef VAR_RANGES
		logval("Canceller:p", ((int)((P2 *)_this)->p));
#endif
		;
		/* merge: s = 0(63, 59, 63) */
		reached[2][59] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->s);
		((P2 *)_this)->s = 0;
#ifdef VAR_RANGES
		logval("Canceller:s", ((int)((P2 *)_this)->s));
#endif
		;
		/* merge: t = 0(63, 60, 63) */
		reached[2][60] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->t);
		((P2 *)_this)->t = 0;
#ifdef VAR_RANGES
		logval("Canceller:t", ((int)((P2 *)_this)->t));
#endif
		;
		/* merge: v = 0(63, 61, 63) */
		reached[2][61] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("Canceller:v", ((int)((P2 *)_this)->v));
#endif
		;
		_m = 3; goto P999; /* 3 */
	case 39: // STATE 63 - ./cancel.pml:372 - [-end-] (0:0:0 - 1)
		IfNotBlocked
		reached[2][63] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */

		 /* PROC Consumer */
	case 40: // STATE 1 - ./cancel.pml:243 - [((head==4))] (50:0:0 - 1)
		IfNotBlocked
		reached[1][1] = 1;
		if (!((((int)now.head)==4)))
			continue;
		/* merge: goto done(0, 2, 50) */
		reached[1][2] = 1;
		;
		_m = 3; goto P999; /* 1 */
	case 41: // STATE 8 - ./cancel.pml:252 - [.(goto)] (0:10:0 - 1)
		IfNotBlocked
		reached[1][8] = 1;
		;
		_m = 3; goto P999; /* 0 */
	case 42: // STATE 3 - ./cancel.pml:244 - [(((head<4)&&(seq[(head%2)]==(head+1))))] (10:0:3 - 1)
		IfNotBlocked
		reached[1][3] = 1;
		if (!(((((int)now.head)<4)&&(((int)now.seq[ Index((((int)now.head)%2), 2) ])==(((int)now.head)+1)))))
			continue;
		/* merge: pos = head(10, 4, 10) */
		reached[1][4] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P1 *)_this)->pos);
		((P1 *)_this)->pos = ((int)now.head);
#ifdef VAR_RANGES
		logval("Consumer:pos", ((int)((P1 *)_this)->pos));
#endif
		;
		/* merge: head = (head+1)(10, 5, 10) */
		reached[1][5] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.head);
		now.head = (((int)now.head)+1);
#ifdef VAR_RANGES
		logval("head", ((int)now.head));
#endif
		;
		/* merge: s = (pos%2)(10, 6, 10) */
		reached[1][6] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P1 *)_this)->s);
		((P1 *)_this)->s = (((int)((P1 *)_this)->pos)%2);
#ifdef VAR_RANGES
		logval("Consumer:s", ((int)((P1 *)_this)->s));
#endif
		;
		/* merge: .(goto)(10, 8, 10) */
		reached[1][8] = 1;
		;
		_m = 3; goto P999; /* 4 */
	case 43: // STATE 10 - ./cancel.pml:254 - [t = tomb[s]] (0:0:1 - 1)
		IfNotBlocked
		reached[1][10] = 1;
		(trpt+1)->bup.oval = ((int)((P1 *)_this)->t);
		((P1 *)_this)->t = ((int)now.tomb[ Index(((int)((P1 *)_this)->s), 2) ]);
#ifdef VAR_RANGES
		logval("Consumer:t", ((int)((P1 *)_this)->t));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 44: // STATE 11 - ./cancel.pml:265 - [(((t/8)==pos))] (0:0:0 - 1)
		IfNotBlocked
		reached[1][11] = 1;
		if (!(((((int)((P1 *)_this)->t)/8)==((int)((P1 *)_this)->pos))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 45: // STATE 12 - ./cancel.pml:268 - [((t&2))] (0:0:1 - 1)
		IfNotBlocked
		reached[1][12] = 1;
		if (!((((int)((P1 *)_this)->t)&2)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: t */  (trpt+1)->bup.oval = ((P1 *)_this)->t;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P1 *)_this)->t = 0;
		_m = 3; goto P999; /* 0 */
	case 46: // STATE 13 - ./cancel.pml:269 - [(((tomb[s]&2)==0))] (31:0:1 - 1)
		IfNotBlocked
		reached[1][13] = 1;
		if (!(((((int)now.tomb[ Index(((int)((P1 *)_this)->s), 2) ])&2)==0)))
			continue;
		/* merge: t = tomb[s](0, 14, 31) */
		reached[1][14] = 1;
		(trpt+1)->bup.oval = ((int)((P1 *)_this)->t);
		((P1 *)_this)->t = ((int)now.tomb[ Index(((int)((P1 *)_this)->s), 2) ]);
#ifdef VAR_RANGES
		logval("Consumer:t", ((int)((P1 *)_this)->t));
#endif
		;
		/* merge: .(goto)(0, 19, 31) */
		reached[1][19] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 47: // STATE 20 - ./cancel.pml:274 - [((t&4))] (0:0:1 - 1)
		IfNotBlocked
		reached[1][20] = 1;
		if (!((((int)((P1 *)_this)->t)&4)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: t */  (trpt+1)->bup.oval = ((P1 *)_this)->t;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P1 *)_this)->t = 0;
		_m = 3; goto P999; /* 0 */
	case 48: // STATE 21 - ./cancel.pml:277 - [assert(((disc[pos]==1)&&(ran[pos]==0)))] (0:46:5 - 1)
		IfNotBlocked
		reached[1][21] = 1;
		spin_assert(((((int)now.disc[ Index(((int)((P1 *)_this)->pos), 4) ])==1)&&(((int)now.ran[ Index(((int)((P1 *)_this)->pos), 4) ])==0)), "((disc[pos]==1)&&(ran[pos]==0))", II, tt, t);
		/* merge: seq[s] = (pos+2)(46, 22, 46) */
		reached[1][22] = 1;
		(trpt+1)->bup.ovals = grab_ints(5);
		(trpt+1)->bup.ovals[0] = ((int)now.seq[ Index(((int)((P1 *)_this)->s), 2) ]);
		now.seq[ Index(((P1 *)_this)->s, 2) ] = (((int)((P1 *)_this)->pos)+2);
#ifdef VAR_RANGES
		logval("seq[Consumer:s]", ((int)now.seq[ Index(((int)((P1 *)_this)->s), 2) ]));
#endif
		;
		/* merge: skipped = (skipped+1)(46, 23, 46) */
		reached[1][23] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.skipped);
		now.skipped = (((int)now.skipped)+1);
#ifdef VAR_RANGES
		logval("skipped", ((int)now.skipped));
#endif
		;
		/* merge: pos = 0(46, 24, 46) */
		reached[1][24] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P1 *)_this)->pos);
		((P1 *)_this)->pos = 0;
#ifdef VAR_RANGES
		logval("Consumer:pos", ((int)((P1 *)_this)->pos));
#endif
		;
		/* merge: s = 0(46, 25, 46) */
		reached[1][25] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P1 *)_this)->s);
		((P1 *)_this)->s = 0;
#ifdef VAR_RANGES
		logval("Consumer:s", ((int)((P1 *)_this)->s));
#endif
		;
		/* merge: t = 0(46, 26, 46) */
		reached[1][26] = 1;
		(trpt+1)->bup.ovals[4] = ((int)((P1 *)_this)->t);
		((P1 *)_this)->t = 0;
#ifdef VAR_RANGES
		logval("Consumer:t", ((int)((P1 *)_this)->t));
#endif
		;
		/* merge: goto next(0, 28, 46) */
		reached[1][28] = 1;
		;
		_m = 3; goto P999; /* 6 */
	case 49: // STATE 37 - ./cancel.pml:289 - [assert((!(writing[s])&&(task[s]==(pos+1))))] (0:45:1 - 1)
		IfNotBlocked
		reached[1][37] = 1;
		spin_assert(( !(((int)now.writing[ Index(((int)((P1 *)_this)->s), 2) ]))&&(((int)now.task[ Index(((int)((P1 *)_this)->s), 2) ])==(((int)((P1 *)_this)->pos)+1))), "( !(writing[s])&&(task[s]==(pos+1)))", II, tt, t);
		/* merge: assert(((ran[pos]==0)&&(disc[pos]==0)))(45, 38, 45) */
		reached[1][38] = 1;
		spin_assert(((((int)now.ran[ Index(((int)((P1 *)_this)->pos), 4) ])==0)&&(((int)now.disc[ Index(((int)((P1 *)_this)->pos), 4) ])==0)), "((ran[pos]==0)&&(disc[pos]==0))", II, tt, t);
		/* merge: ran[pos] = (ran[pos]+1)(45, 39, 45) */
		reached[1][39] = 1;
		(trpt+1)->bup.oval = ((int)now.ran[ Index(((int)((P1 *)_this)->pos), 4) ]);
		now.ran[ Index(((P1 *)_this)->pos, 4) ] = (((int)now.ran[ Index(((int)((P1 *)_this)->pos), 4) ])+1);
#ifdef VAR_RANGES
		logval("ran[Consumer:pos]", ((int)now.ran[ Index(((int)((P1 *)_this)->pos), 4) ]));
#endif
		;
		_m = 3; goto P999; /* 2 */
	case 50: // STATE 41 - ./cancel.pml:293 - [seq[s] = (pos+2)] (0:46:4 - 1)
		IfNotBlocked
		reached[1][41] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)now.seq[ Index(((int)((P1 *)_this)->s), 2) ]);
		now.seq[ Index(((P1 *)_this)->s, 2) ] = (((int)((P1 *)_this)->pos)+2);
#ifdef VAR_RANGES
		logval("seq[Consumer:s]", ((int)now.seq[ Index(((int)((P1 *)_this)->s), 2) ]));
#endif
		;
		/* merge: pos = 0(46, 42, 46) */
		reached[1][42] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P1 *)_this)->pos);
		((P1 *)_this)->pos = 0;
#ifdef VAR_RANGES
		logval("Consumer:pos", ((int)((P1 *)_this)->pos));
#endif
		;
		/* merge: s = 0(46, 43, 46) */
		reached[1][43] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P1 *)_this)->s);
		((P1 *)_this)->s = 0;
#ifdef VAR_RANGES
		logval("Consumer:s", ((int)((P1 *)_this)->s));
#endif
		;
		/* merge: t = 0(46, 44, 46) */
		reached[1][44] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P1 *)_this)->t);
		((P1 *)_this)->t = 0;
#ifdef VAR_RANGES
		logval("Consumer:t", ((int)((P1 *)_this)->t));
#endif
		;
		_m = 3; goto P999; /* 3 */
	case 51: // STATE 51 - ./cancel.pml:299 - [-end-] (0:0:0 - 1)
		IfNotBlocked
		reached[1][51] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */

		 /* PROC Producer */
	case 52: // STATE 1 - ./cancel.pml:211 - [((k<n))] (0:0:0 - 1)
		IfNotBlocked
		reached[0][1] = 1;
		if (!((((int)((P0 *)_this)->k)<((int)((P0 *)_this)->n))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 53: // STATE 2 - ./cancel.pml:214 - [((seq[(tail%2)]==tail))] (9:0:3 - 1)
		IfNotBlocked
		reached[0][2] = 1;
		if (!((((int)now.seq[ Index((((int)now.tail)%2), 2) ])==((int)now.tail))))
			continue;
		/* merge: pos = tail(9, 3, 9) */
		reached[0][3] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P0 *)_this)->pos);
		((P0 *)_this)->pos = ((int)now.tail);
#ifdef VAR_RANGES
		logval("Producer:pos", ((int)((P0 *)_this)->pos));
#endif
		;
		/* merge: tail = (tail+1)(9, 4, 9) */
		reached[0][4] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.tail);
		now.tail = (((int)now.tail)+1);
#ifdef VAR_RANGES
		logval("tail", ((int)now.tail));
#endif
		;
		/* merge: s = (pos%2)(9, 5, 9) */
		reached[0][5] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P0 *)_this)->s);
		((P0 *)_this)->s = (((int)((P0 *)_this)->pos)%2);
#ifdef VAR_RANGES
		logval("Producer:s", ((int)((P0 *)_this)->s));
#endif
		;
		_m = 3; goto P999; /* 3 */
	case 54: // STATE 7 - ./cancel.pml:216 - [assert((reading[s]==0))] (0:12:1 - 1)
		IfNotBlocked
		reached[0][7] = 1;
		spin_assert((((int)now.reading[ Index(((int)((P0 *)_this)->s), 2) ])==0), "(reading[s]==0)", II, tt, t);
		/* merge: writing[s] = 1(12, 8, 12) */
		reached[0][8] = 1;
		(trpt+1)->bup.oval = ((int)now.writing[ Index(((int)((P0 *)_this)->s), 2) ]);
		now.writing[ Index(((P0 *)_this)->s, 2) ] = 1;
#ifdef VAR_RANGES
		logval("writing[Producer:s]", ((int)now.writing[ Index(((int)((P0 *)_this)->s), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 55: // STATE 10 - ./cancel.pml:217 - [task[s] = (pos+1)] (0:17:2 - 1)
		IfNotBlocked
		reached[0][10] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)now.task[ Index(((int)((P0 *)_this)->s), 2) ]);
		now.task[ Index(((P0 *)_this)->s, 2) ] = (((int)((P0 *)_this)->pos)+1);
#ifdef VAR_RANGES
		logval("task[Producer:s]", ((int)now.task[ Index(((int)((P0 *)_this)->s), 2) ]));
#endif
		;
		/* merge: writing[s] = 0(17, 11, 17) */
		reached[0][11] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.writing[ Index(((int)((P0 *)_this)->s), 2) ]);
		now.writing[ Index(((P0 *)_this)->s, 2) ] = 0;
#ifdef VAR_RANGES
		logval("writing[Producer:s]", ((int)now.writing[ Index(((int)((P0 *)_this)->s), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 56: // STATE 13 - ./cancel.pml:219 - [(((tmask>>k)&1))] (0:0:0 - 1)
		IfNotBlocked
		reached[0][13] = 1;
		if (!(((((int)((P0 *)_this)->tmask)>>((int)((P0 *)_this)->k))&1)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 57: // STATE 14 - ./cancel.pml:221 - [tomb[s] = ((pos*8)+((dmask>>k)&1))] (0:0:1 - 1)
		IfNotBlocked
		reached[0][14] = 1;
		(trpt+1)->bup.oval = ((int)now.tomb[ Index(((int)((P0 *)_this)->s), 2) ]);
		now.tomb[ Index(((P0 *)_this)->s, 2) ] = ((((int)((P0 *)_this)->pos)*8)+((((int)((P0 *)_this)->dmask)>>((int)((P0 *)_this)->k))&1));
#ifdef VAR_RANGES
		logval("tomb[Producer:s]", ((int)now.tomb[ Index(((int)((P0 *)_this)->s), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 58: // STATE 19 - ./cancel.pml:224 - [seq[s] = (pos+1)] (0:0:1 - 3)
		IfNotBlocked
		reached[0][19] = 1;
		(trpt+1)->bup.oval = ((int)now.seq[ Index(((int)((P0 *)_this)->s), 2) ]);
		now.seq[ Index(((P0 *)_this)->s, 2) ] = (((int)((P0 *)_this)->pos)+1);
#ifdef VAR_RANGES
		logval("seq[Producer:s]", ((int)now.seq[ Index(((int)((P0 *)_this)->s), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 59: // STATE 20 - ./cancel.pml:226 - [(((tmask>>k)&1))] (0:0:0 - 1)
		IfNotBlocked
		reached[0][20] = 1;
		if (!(((((int)((P0 *)_this)->tmask)>>((int)((P0 *)_this)->k))&1)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 60: // STATE 21 - ./cancel.pml:228 - [ticket[(tbase+tk)] = pos] (0:31:2 - 1)
		IfNotBlocked
		reached[0][21] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)now.ticket[ Index((((int)((P0 *)_this)->tbase)+((int)((P0 *)_this)->tk)), 3) ]);
		now.ticket[ Index((((P0 *)_this)->tbase+((P0 *)_this)->tk), 3) ] = ((int)((P0 *)_this)->pos);
#ifdef VAR_RANGES
		logval("ticket[(Producer:tbase+Producer:tk)]", ((int)now.ticket[ Index((((int)((P0 *)_this)->tbase)+((int)((P0 *)_this)->tk)), 3) ]));
#endif
		;
		/* merge: tk = (tk+1)(31, 22, 31) */
		reached[0][22] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P0 *)_this)->tk);
		((P0 *)_this)->tk = (((int)((P0 *)_this)->tk)+1);
#ifdef VAR_RANGES
		logval("Producer:tk", ((int)((P0 *)_this)->tk));
#endif
		;
		/* merge: .(goto)(0, 27, 31) */
		reached[0][27] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 61: // STATE 28 - ./cancel.pml:231 - [k = (k+1)] (0:34:3 - 1)
		IfNotBlocked
		reached[0][28] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P0 *)_this)->k);
		((P0 *)_this)->k = (((int)((P0 *)_this)->k)+1);
#ifdef VAR_RANGES
		logval("Producer:k", ((int)((P0 *)_this)->k));
#endif
		;
		/* merge: pos = 0(34, 29, 34) */
		reached[0][29] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P0 *)_this)->pos);
		((P0 *)_this)->pos = 0;
#ifdef VAR_RANGES
		logval("Producer:pos", ((int)((P0 *)_this)->pos));
#endif
		;
		/* merge: s = 0(34, 30, 34) */
		reached[0][30] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P0 *)_this)->s);
		((P0 *)_this)->s = 0;
#ifdef VAR_RANGES
		logval("Producer:s", ((int)((P0 *)_this)->s));
#endif
		;
		/* merge: .(goto)(0, 35, 34) */
		reached[0][35] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 62: // STATE 37 - ./cancel.pml:234 - [-end-] (0:0:0 - 3)
		IfNotBlocked
		reached[0][37] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */
	case  _T5:	/* np_ */
		if (!((!(trpt->o_pm&4) && !(trpt->tau&128))))
			continue;
		/* else fall through */
	case  _T2:	/* true */
		_m = 3; goto P999;
#undef rand
	}

